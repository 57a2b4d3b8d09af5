package imagetest_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/image/webp"

	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/internal/testenv"
)

var corners = []imagetest.Corner{imagetest.TopLeft, imagetest.TopRight, imagetest.BottomLeft, imagetest.BottomRight}

func TestJPEGWithMetadata(t *testing.T) {
	for _, c := range corners {
		t.Run("OK/"+c.String(), func(t *testing.T) {
			b := imagetest.JPEGWithMetadata(160, 96, 1, c)
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Size() != image.Pt(160, 96) {
				t.Fatalf("size %v", img.Bounds().Size())
			}
			for _, k := range corners {
				if got := imagetest.IsRed(img, k); got != (k == c) {
					t.Errorf("IsRed(%v) = %v (%v)", k, got, imagetest.CornerColour(img, k))
				}
			}
			if !imagetest.HasMetadata(b) {
				t.Error("HasMetadata = false")
			}
			for _, s := range []string{"Exif\x00\x00", imagetest.ExifMake, imagetest.XMPCreator, "http://ns.adobe.com/xap/1.0/\x00"} {
				if !bytes.Contains(b, []byte(s)) {
					t.Errorf("no %q", s)
				}
			}
		})
	}
}

// TestExiftoolReadsMetadata checks the hand-built Exif with a real parser.
func TestExiftoolReadsMetadata(t *testing.T) {
	testenv.MustHaveCommand(t, "exiftool", "apt-get install libimage-exiftool-perl")
	for o := 1; o <= 8; o++ {
		for _, f := range []struct {
			kind string
			data []byte
		}{
			{"jpeg", imagetest.JPEGWithMetadata(32, 16, o, imagetest.TopLeft)},
			{"webp", imagetest.WebPWithMetadata(o, o%2 == 0)},
		} {
			t.Run(fmt.Sprintf("OK/%s/orientation=%d", f.kind, o), func(t *testing.T) {
				cmd := exec.Command("exiftool", "-n", "-s", "-validate", "-warning",
					"-Orientation", "-GPSLatitude", "-GPSLongitude", "-Make", "-XMP-dc:Creator", "-")
				cmd.Stdin = bytes.NewReader(f.data)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("exiftool: %v\n%s", err, out)
				}
				got := string(out)
				for _, want := range []string{
					fmt.Sprintf("Orientation                     : %d\n", o),
					"GPSLatitude                     : 52.520094",
					"GPSLongitude                    : 13.415772",
					"Make                            : " + imagetest.ExifMake + "\n",
					"Creator                         : " + imagetest.XMPCreator + "\n",
					"Validate                        : 0 0 0\n", // errors, warnings, minor warnings
				} {
					if !strings.Contains(got, want) {
						t.Errorf("exiftool output lacks %q:\n%s", want, got)
					}
				}
				if strings.Contains(got, "Warning") || strings.Contains(got, "Error") {
					t.Errorf("exiftool complains:\n%s", got)
				}
			})
		}
	}
}

func TestWebPWithMetadata(t *testing.T) {
	for _, lossy := range []bool{false, true} {
		t.Run(fmt.Sprintf("OK/lossy=%v", lossy), func(t *testing.T) {
			img, err := webp.Decode(bytes.NewReader(imagetest.WebPWithMetadata(6, lossy)))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Size() != image.Pt(imagetest.WebPWidth, imagetest.WebPHeight) {
				t.Fatalf("size %v", img.Bounds().Size())
			}
			for _, k := range corners {
				if got := imagetest.IsRed(img, k); got != (k == imagetest.TopLeft) {
					t.Errorf("IsRed(%v) = %v (%v)", k, got, imagetest.CornerColour(img, k))
				}
			}
			if !lossy {
				if got := imagetest.CornerColour(img, imagetest.TopLeft); got != imagetest.Marker {
					t.Errorf("lossless marker is %v", got)
				}
				if got := imagetest.CornerColour(img, imagetest.BottomRight); got != imagetest.Background {
					t.Errorf("lossless background is %v", got)
				}
			}
		})
	}
}

func TestPNG(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(imagetest.PNG(10, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if got := color.NRGBAModel.Convert(img.At(0, 0)); got != (color.NRGBA{B: 255, A: 255}) {
		t.Errorf("left pixel %v", got)
	}
	if got := img.(*image.NRGBA).NRGBAAt(9, 3); got != (color.NRGBA{R: 255}) {
		t.Errorf("right pixel %v", got)
	}
}

func TestPNGBomb(t *testing.T) {
	b := imagetest.PNGBomb(20000, 20000)
	if len(b) > 300<<10 {
		t.Errorf("%d bytes", len(b))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 20000 || cfg.Height != 20000 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
	// A small bomb decodes fully: the PNG is valid, not just its header.
	img, err := png.Decode(bytes.NewReader(imagetest.PNGBomb(1001, 37)))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Size() != image.Pt(1001, 37) || color.GrayModel.Convert(img.At(1000, 36)) != (color.Gray{}) {
		t.Errorf("decoded %v", img.Bounds())
	}
}

func TestTruncatedJPEG(t *testing.T) {
	b := imagetest.TruncatedJPEG()
	if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Fatalf("DecodeConfig: %v", err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err == nil {
		t.Fatal("Decode succeeded")
	}
}

func TestHasMetadata(t *testing.T) {
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	p := plain.Bytes()
	// insert puts a segment right after SOI.
	insert := func(marker byte, payload string) []byte {
		n := len(payload) + 2
		out := append([]byte{0xFF, 0xD8, 0xFF, marker, byte(n >> 8), byte(n)}, payload...)
		return append(out, p[2:]...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"plain", p, false},
		{"plain-jfif", insert(0xE0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), false},
		{"jfif-thumbnail", insert(0xE0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01\x00\x00\x00"), true},
		{"exif", insert(0xE1, "Exif\x00\x00MM\x00*"), true},
		{"icc", insert(0xE2, "ICC_PROFILE\x00"), true},
		{"iptc", insert(0xED, "Photoshop 3.0\x00"), true},
		{"comment", insert(0xFE, "hello"), true},
		{"trailing", append(bytes.Clone(p), "GPS"...), true},
		{"truncated", p[:len(p)-1], true},
		{"fixture", imagetest.JPEGWithMetadata(8, 8, 1, imagetest.TopLeft), true},
		{"not-jpeg", []byte("hello"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := imagetest.HasMetadata(tc.data); got != tc.want {
				t.Errorf("HasMetadata = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCornerColour(t *testing.T) {
	img := image.NewRGBA(image.Rect(10, 20, 26, 44)) // 16x24, offset bounds: side 2
	img.Set(24, 42, color.RGBA{R: 200, A: 255})
	img.Set(25, 43, color.RGBA{R: 100, A: 255})
	got := imagetest.CornerColour(img, imagetest.BottomRight)
	if want := (color.RGBA{R: 75, A: 128}); got != want {
		t.Errorf("CornerColour = %v, want %v", got, want)
	}
	if got := imagetest.CornerColour(image.NewRGBA(image.Rectangle{}), imagetest.TopLeft); got != (color.RGBA{}) {
		t.Errorf("empty image: %v", got)
	}
}
