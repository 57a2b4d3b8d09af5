package imageproc_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/facestat/facestat/imageproc"
	"github.com/facestat/facestat/imageproc/imagetest"
)

var corners = []imagetest.Corner{imagetest.TopLeft, imagetest.TopRight, imagetest.BottomLeft, imagetest.BottomRight}

// exifSides says, for each Exif orientation, along which side of the
// displayed image the stored 0th row and the stored 0th column lie. It is
// copied from the wording of the Exif 2.32 specification (tag 0x0112), e.g.
// 6: "The 0th row represents the visual right-hand side of the image, and
// the 0th column represents the visual top", and is deliberately independent
// of the implementation's coordinate formulas.
var exifSides = map[int]struct{ row0, col0 string }{
	1: {"top", "left"},
	2: {"top", "right"},
	3: {"bottom", "right"},
	4: {"bottom", "left"},
	5: {"left", "top"},
	6: {"right", "top"},
	7: {"right", "bottom"},
	8: {"left", "bottom"},
}

func opposite(side string) string {
	return map[string]string{"top": "bottom", "bottom": "top", "left": "right", "right": "left"}[side]
}

// displayCorner returns where the stored corner c appears once the image is
// shown according to orientation o. The stored corner lies on the first or
// last row and on the first or last column; those rows and columns lie along
// the sides named by exifSides (or their opposites).
func displayCorner(t *testing.T, o int, c imagetest.Corner) imagetest.Corner {
	t.Helper()
	rowSide, colSide := exifSides[o].row0, exifSides[o].col0
	if c == imagetest.BottomLeft || c == imagetest.BottomRight {
		rowSide = opposite(rowSide)
	}
	if c == imagetest.TopRight || c == imagetest.BottomRight {
		colSide = opposite(colSide)
	}
	var vertical, horizontal string
	for _, s := range []string{rowSide, colSide} {
		switch s {
		case "top", "bottom":
			vertical = s
		default:
			horizontal = s
		}
	}
	switch vertical + "-" + horizontal {
	case "top-left":
		return imagetest.TopLeft
	case "top-right":
		return imagetest.TopRight
	case "bottom-left":
		return imagetest.BottomLeft
	case "bottom-right":
		return imagetest.BottomRight
	}
	t.Fatalf("bad exifSides for orientation %d: %s, %s", o, rowSide, colSide)
	return 0
}

func TestDisplayCornerMatchesExamples(t *testing.T) {
	// The brief's worked example, and two more by hand.
	for _, tc := range []struct {
		o        int
		from, to imagetest.Corner
	}{
		{6, imagetest.TopLeft, imagetest.TopRight},
		{8, imagetest.TopLeft, imagetest.BottomLeft},
		{3, imagetest.TopRight, imagetest.BottomLeft},
	} {
		if got := displayCorner(t, tc.o, tc.from); got != tc.to {
			t.Errorf("orientation %d: %v -> %v, want %v", tc.o, tc.from, got, tc.to)
		}
	}
}

// mustProcess runs Process and fails the test on error.
func mustProcess(t testing.TB, data []byte, lim imageproc.Limits, opt imageproc.Options) *imageproc.Result {
	t.Helper()
	res, err := imageproc.Process(data, lim, opt)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return res
}

// decodeJPEG decodes b, checks its size, and returns the image.
func decodeJPEG(t testing.TB, b []byte, w, h int) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output does not decode as JPEG: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(w, h) {
		t.Fatalf("decoded size %v, Result says %dx%d", got, w, h)
	}
	return img
}

// checkResult checks the invariants every Result must satisfy.
func checkResult(t testing.TB, res *imageproc.Result, opt imageproc.Options) (img, thumb image.Image) {
	t.Helper()
	maxSide, thumbSide := opt.MaxSide, opt.ThumbSide
	if maxSide <= 0 {
		maxSide = imageproc.DefaultMaxSide
	}
	if thumbSide <= 0 {
		thumbSide = imageproc.DefaultThumbSide
	}
	if res.Width > maxSide || res.Height > maxSide || res.Width < 1 || res.Height < 1 {
		t.Errorf("image is %dx%d, want within 1..%d", res.Width, res.Height, maxSide)
	}
	if res.ThumbWidth > thumbSide || res.ThumbHeight > thumbSide || res.ThumbWidth < 1 || res.ThumbHeight < 1 {
		t.Errorf("thumb is %dx%d, want within 1..%d", res.ThumbWidth, res.ThumbHeight, thumbSide)
	}
	img = decodeJPEG(t, res.Image, res.Width, res.Height)
	thumb = decodeJPEG(t, res.Thumb, res.ThumbWidth, res.ThumbHeight)
	if imagetest.HasMetadata(res.Image) {
		t.Error("normalised image has metadata")
	}
	if imagetest.HasMetadata(res.Thumb) {
		t.Error("thumbnail has metadata")
	}
	return img, thumb
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want imageproc.Format
	}{
		{"OK/jpeg", imagetest.JPEGWithMetadata(16, 16, 1, imagetest.TopLeft), imageproc.FormatJPEG},
		{"OK/png", imagetest.PNG(4, 4), imageproc.FormatPNG},
		{"OK/webp", imagetest.WebPWithMetadata(1, false), imageproc.FormatWebP},
		{"OK/jpeg-magic-only", []byte{0xFF, 0xD8, 0xFF}, imageproc.FormatJPEG},
		{"ErrNotAnImage/empty", nil, ""},
		{"ErrNotAnImage/text", []byte("just some text, saved as face.jpg"), ""},
		{"ErrNotAnImage/jpeg-two-bytes", []byte{0xFF, 0xD8}, ""},
		{"ErrNotAnImage/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ""},
		{"ErrNotAnImage/riff-wave", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ""},
		{"ErrNotAnImage/png-short", []byte("\x89PNG\r\n\x1a"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := imageproc.Sniff(tc.data)
			if tc.want == "" {
				if !errors.Is(err, imageproc.ErrNotAnImage) || got != "" {
					t.Fatalf("Sniff = %q, %v; want ErrNotAnImage", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestProcessOrientation(t *testing.T) {
	const w, h = 320, 240
	for o := 1; o <= 8; o++ {
		for _, c := range corners {
			want := displayCorner(t, o, c)
			t.Run(fmt.Sprintf("OK/orientation=%d/marker=%v", o, c), func(t *testing.T) {
				res := mustProcess(t, imagetest.JPEGWithMetadata(w, h, o, c), imageproc.Limits{}, imageproc.Options{})
				if res.Source != imageproc.FormatJPEG {
					t.Errorf("Source = %q", res.Source)
				}
				wantW, wantH := w, h
				if o >= 5 {
					wantW, wantH = h, w
				}
				if res.Width != wantW || res.Height != wantH {
					t.Fatalf("size %dx%d, want %dx%d", res.Width, res.Height, wantW, wantH)
				}
				img, thumb := checkResult(t, res, imageproc.Options{})
				for _, im := range []image.Image{img, thumb} {
					for _, k := range corners {
						if red := imagetest.IsRed(im, k); red != (k == want) {
							t.Errorf("%v of %v image: red=%v (colour %v), want red only at %v",
								k, im.Bounds().Size(), red, imagetest.CornerColour(im, k), want)
						}
					}
				}
			})
		}
	}
}

func TestProcessWebP(t *testing.T) {
	for _, lossy := range []bool{false, true} {
		for o := 1; o <= 8; o++ {
			want := displayCorner(t, o, imagetest.TopLeft)
			t.Run(fmt.Sprintf("OK/lossy=%v/orientation=%d", lossy, o), func(t *testing.T) {
				src := imagetest.WebPWithMetadata(o, lossy)
				res := mustProcess(t, src, imageproc.Limits{}, imageproc.Options{})
				if res.Source != imageproc.FormatWebP {
					t.Errorf("Source = %q", res.Source)
				}
				wantW, wantH := imagetest.WebPWidth, imagetest.WebPHeight
				if o >= 5 {
					wantW, wantH = wantH, wantW
				}
				if res.Width != wantW || res.Height != wantH {
					t.Fatalf("size %dx%d, want %dx%d", res.Width, res.Height, wantW, wantH)
				}
				img, _ := checkResult(t, res, imageproc.Options{})
				for _, k := range corners {
					if red := imagetest.IsRed(img, k); red != (k == want) {
						t.Errorf("%v: red=%v (colour %v), want red only at %v", k, red, imagetest.CornerColour(img, k), want)
					}
				}
				checkNoFixtureStrings(t, res)
			})
		}
	}
}

// checkNoFixtureStrings checks that none of the strings that the fixtures
// put in their metadata survive, wherever they might hide.
func checkNoFixtureStrings(t *testing.T, res *imageproc.Result) {
	t.Helper()
	for _, out := range [][]byte{res.Image, res.Thumb} {
		for _, s := range []string{imagetest.ExifMake, imagetest.XMPCreator, imagetest.GPSLatitude, "Exif", "http://ns.adobe.com", "xmpmeta", "JFIF"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("output contains %q", s)
			}
		}
	}
}

func TestProcessStripsMetadata(t *testing.T) {
	t.Run("OK/jpeg", func(t *testing.T) {
		src := imagetest.JPEGWithMetadata(320, 240, 6, imagetest.TopLeft)
		if !imagetest.HasMetadata(src) {
			t.Fatal("fixture has no metadata; the test would prove nothing")
		}
		res := mustProcess(t, src, imageproc.Limits{}, imageproc.Options{})
		checkResult(t, res, imageproc.Options{})
		checkNoFixtureStrings(t, res)
		// Not even a JFIF APP0: the output is SOI, DQT, SOF0, ...
		if !bytes.HasPrefix(res.Image, []byte{0xFF, 0xD8, 0xFF, 0xDB}) {
			t.Errorf("output starts % X, want SOI then DQT", res.Image[:4])
		}
	})
}

// jpegSegments splits a JPEG into its SOI, the marker segments before SOS,
// and the rest (from SOS).
func jpegSegments(t *testing.T, b []byte) (segs [][]byte, rest []byte) {
	t.Helper()
	i := 2
	for b[i+1] != 0xDA {
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		segs = append(segs, b[i:i+2+n])
		i += 2 + n
	}
	return segs, b[i:]
}

func TestProcessExifNotFirstAPP1(t *testing.T) {
	// Put the XMP APP1 before the Exif APP1. Exif wants its APP1 first, but
	// such files exist, and github.com/disintegration/imaging's
	// AutoOrientation silently ignores the orientation in them.
	src := imagetest.JPEGWithMetadata(320, 240, 6, imagetest.TopLeft)
	segs, rest := jpegSegments(t, src)
	var out []byte
	out = append(out, 0xFF, 0xD8)
	var app1 [][]byte
	for _, s := range segs {
		if s[1] == 0xE1 {
			app1 = append(app1, s)
			continue
		}
		out = append(out, s...)
	}
	if len(app1) != 2 || !bytes.Contains(app1[0], []byte("Exif\x00\x00")) {
		t.Fatalf("fixture layout changed: %d APP1 segments", len(app1))
	}
	out = append(out, app1[1]...)
	out = append(out, app1[0]...)
	out = append(out, rest...)

	t.Run("OK", func(t *testing.T) {
		res := mustProcess(t, out, imageproc.Limits{}, imageproc.Options{})
		if res.Width != 240 || res.Height != 320 {
			t.Fatalf("size %dx%d, want 240x320 (rotated)", res.Width, res.Height)
		}
		img, _ := checkResult(t, res, imageproc.Options{})
		if !imagetest.IsRed(img, imagetest.TopRight) {
			t.Errorf("marker not at TopRight: %v", imagetest.CornerColour(img, imagetest.TopRight))
		}
	})
}

func TestProcessRejectsNonImages(t *testing.T) {
	jpg := imagetest.JPEGWithMetadata(64, 64, 1, imagetest.TopLeft)
	pngData := imagetest.PNG(64, 64)
	webpData := imagetest.WebPWithMetadata(1, true)

	// A JPEG whose scan data is replaced by garbage after a valid header.
	corrupt := bytes.Clone(jpg)
	_, rest := jpegSegments(t, corrupt)
	for i := 20; i < len(rest)-2; i++ {
		rest[i] = 0xFF // runs of 0xFF, a marker with no meaning here
	}

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text", []byte("Hello! This is definitely a photo of my face, named face.png.\n")},
		{"html", []byte("<!doctype html><svg xmlns='http://www.w3.org/2000/svg'/>")},
		{"empty", nil},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")},
		{"bmp", append([]byte("BM"), make([]byte, 60)...)},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00\x00\x00")},
		{"truncated-jpeg", imagetest.TruncatedJPEG()},
		{"jpeg-header-only", jpg[:len(jpg)-len(rest)]},
		{"corrupt-jpeg", corrupt},
		{"jpeg-magic-only", []byte{0xFF, 0xD8, 0xFF}},
		{"truncated-png", pngData[:len(pngData)/2]},
		{"png-bad-crc", func() []byte { b := bytes.Clone(pngData); b[29] ^= 0xFF; return b }()},
		{"truncated-webp", webpData[:60]}, // inside the VP8 chunk
		{"webp-garbage", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00abcd")},
	} {
		t.Run("ErrNotAnImage/"+tc.name, func(t *testing.T) {
			res, err := imageproc.Process(tc.data, imageproc.Limits{}, imageproc.Options{})
			if !errors.Is(err, imageproc.ErrNotAnImage) || res != nil {
				t.Fatalf("Process = %v, %v; want ErrNotAnImage", res, err)
			}
			if errors.Is(err, imageproc.ErrTooManyPixels) {
				t.Fatalf("error %v is also ErrTooManyPixels", err)
			}
		})
	}

	t.Run("OK/truncated-jpeg-header-decodes", func(t *testing.T) {
		// Make sure the truncated JPEG test exercises the decoder, not just
		// the header check.
		if _, err := jpeg.DecodeConfig(bytes.NewReader(imagetest.TruncatedJPEG())); err != nil {
			t.Fatalf("DecodeConfig: %v", err)
		}
	})
}

// patchJPEGSize rewrites the SOF0 dimensions of a JPEG.
func patchJPEGSize(t *testing.T, b []byte, w, h int) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(b[i+5:], uint16(h))
	binary.BigEndian.PutUint16(b[i+7:], uint16(w))
	return b
}

// patchWebPCanvas rewrites the VP8X canvas size of a WebP.
func patchWebPCanvas(t *testing.T, b []byte, w, h int) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte("VP8X"))
	if i < 0 {
		t.Fatal("no VP8X")
	}
	p := b[i+8+4:]
	p[0], p[1], p[2] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	p[3], p[4], p[5] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	return b
}

func TestProcessRejectsTooManyPixels(t *testing.T) {
	small := imagetest.JPEGWithMetadata(64, 48, 1, imagetest.TopLeft)
	for _, tc := range []struct {
		name string
		data func(t *testing.T) []byte
		lim  imageproc.Limits
	}{
		{"png-bomb", func(*testing.T) []byte { return imagetest.PNGBomb(20000, 20000) }, imageproc.Limits{}},
		{"png-side", func(*testing.T) []byte { return imagetest.PNGBomb(12001, 8) }, imageproc.Limits{}},
		{"png-tall-side", func(*testing.T) []byte { return imagetest.PNGBomb(8, 12001) }, imageproc.Limits{}},
		{"jpeg-header-65535", func(t *testing.T) []byte { return patchJPEGSize(t, small, 65535, 65535) }, imageproc.Limits{}},
		{"jpeg-41mp", func(t *testing.T) []byte { return patchJPEGSize(t, small, 8000, 5126) }, imageproc.Limits{}},
		{"webp-canvas", func(t *testing.T) []byte {
			return patchWebPCanvas(t, imagetest.WebPWithMetadata(1, false), 20000, 10000)
		}, imageproc.Limits{}},
		{"custom-pixels", func(*testing.T) []byte { return small }, imageproc.Limits{MaxPixels: 64*48 - 1}},
		{"custom-side", func(*testing.T) []byte { return small }, imageproc.Limits{MaxSide: 63}},
	} {
		t.Run("ErrTooManyPixels/"+tc.name, func(t *testing.T) {
			data := tc.data(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := imageproc.Process(data, tc.lim, imageproc.Options{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, imageproc.ErrTooManyPixels) || res != nil {
				t.Fatalf("Process = %v, %v; want ErrTooManyPixels", res, err)
			}
			// Decoding a 20000x20000 image would allocate 400 MB at least.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
				t.Errorf("allocated %d MB; the header check must come before decoding", alloc>>20)
			}
		})
	}

	t.Run("OK/exactly-at-limits", func(t *testing.T) {
		mustProcess(t, small, imageproc.Limits{MaxPixels: 64 * 48, MaxSide: 64}, imageproc.Options{})
	})
	t.Run("OK/webp-canvas-mismatch-is-not-an-image", func(t *testing.T) {
		// A small canvas claim in front of a bigger bitstream is caught by
		// the decoder.
		_, err := imageproc.Process(patchWebPCanvas(t, imagetest.WebPWithMetadata(1, false), 16, 16), imageproc.Limits{}, imageproc.Options{})
		if !errors.Is(err, imageproc.ErrNotAnImage) {
			t.Fatalf("err = %v, want ErrNotAnImage", err)
		}
	})
}

// TestProcessRejectsTooSmall: an image whose short side is under
// Limits.MinSide is refused from its header, whatever its format and
// orientation; one exactly at the minimum passes; no minimum accepts 8x8.
func TestProcessRejectsTooSmall(t *testing.T) {
	lim := imageproc.Limits{MinSide: 128}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"jpeg-8x8", imagetest.JPEGWithMetadata(8, 8, 1, imagetest.TopLeft)},
		{"jpeg-wide-short", imagetest.JPEGWithMetadata(640, 127, 1, imagetest.TopLeft)},
		{"jpeg-tall-narrow", imagetest.JPEGWithMetadata(127, 640, 1, imagetest.TopLeft)},
		{"png-thin", imagetest.PNGBomb(5000, 100)},
	} {
		t.Run("ErrTooSmall/"+tc.name, func(t *testing.T) {
			res, err := imageproc.Process(tc.data, lim, imageproc.Options{})
			if !errors.Is(err, imageproc.ErrTooSmall) || res != nil {
				t.Fatalf("Process = %v, %v; want ErrTooSmall", res, err)
			}
		})
	}
	t.Run("OK/exactly-at-minimum", func(t *testing.T) {
		mustProcess(t, imagetest.JPEGWithMetadata(128, 200, 1, imagetest.TopLeft), lim, imageproc.Options{})
	})
	t.Run("OK/no-minimum", func(t *testing.T) {
		mustProcess(t, imagetest.JPEGWithMetadata(8, 8, 1, imagetest.TopLeft), imageproc.Limits{}, imageproc.Options{})
	})
}

func TestProcessDownscales(t *testing.T) {
	big := imagetest.JPEGWithMetadata(4000, 3000, 1, imagetest.BottomRight)
	bigRotated := imagetest.JPEGWithMetadata(4000, 3000, 6, imagetest.TopLeft)
	for _, tc := range []struct {
		name         string
		data         []byte
		opt          imageproc.Options
		w, h, tw, th int
		red          imagetest.Corner
	}{
		{"OK/default", big, imageproc.Options{}, 2048, 1536, 400, 300, imagetest.BottomRight},
		{"OK/rotated", bigRotated, imageproc.Options{}, 1536, 2048, 300, 400, imagetest.TopRight},
		{"OK/custom", big, imageproc.Options{MaxSide: 1000, ThumbSide: 100}, 1000, 750, 100, 75, imagetest.BottomRight},
		{"OK/rounding", imagetest.JPEGWithMetadata(3001, 2000, 1, imagetest.BottomRight), imageproc.Options{MaxSide: 1000, ThumbSide: 40},
			1000, 666, 40, 27, imagetest.BottomRight}, // 666.4 and 26.6
		{"OK/no-upscale", imagetest.JPEGWithMetadata(200, 100, 1, imagetest.BottomRight), imageproc.Options{}, 200, 100, 200, 100, imagetest.BottomRight},
		{"OK/thumb-bigger-than-image", imagetest.JPEGWithMetadata(300, 200, 1, imagetest.BottomRight), imageproc.Options{MaxSide: 150, ThumbSide: 1000},
			150, 100, 150, 100, imagetest.BottomRight},
		{"OK/sliver", imagetest.JPEGWithMetadata(5000, 2, 1, imagetest.BottomRight), imageproc.Options{}, 2048, 1, 400, 1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustProcess(t, tc.data, imageproc.Limits{}, tc.opt)
			if res.Width != tc.w || res.Height != tc.h || res.ThumbWidth != tc.tw || res.ThumbHeight != tc.th {
				t.Fatalf("image %dx%d, thumb %dx%d; want %dx%d, %dx%d",
					res.Width, res.Height, res.ThumbWidth, res.ThumbHeight, tc.w, tc.h, tc.tw, tc.th)
			}
			img, thumb := checkResult(t, res, tc.opt)
			if tc.red < 0 {
				return
			}
			for _, im := range []image.Image{img, thumb} {
				if !imagetest.IsRed(im, tc.red) {
					t.Errorf("%v image: marker not at %v: %v", im.Bounds().Size(), tc.red, imagetest.CornerColour(im, tc.red))
				}
			}
		})
	}
}

func TestProcessFlattensAlpha(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		opt  imageproc.Options
	}{
		{"OK/as-is", 64, 32, imageproc.Options{}},
		{"OK/downscaled", 640, 320, imageproc.Options{MaxSide: 100, ThumbSide: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustProcess(t, imagetest.PNG(tc.w, tc.h), imageproc.Limits{}, tc.opt)
			if res.Source != imageproc.FormatPNG {
				t.Errorf("Source = %q", res.Source)
			}
			img, thumb := checkResult(t, res, tc.opt)
			for _, im := range []image.Image{img, thumb} {
				left := imagetest.CornerColour(im, imagetest.TopLeft)
				right := imagetest.CornerColour(im, imagetest.BottomRight)
				if !near(left, color.RGBA{0, 0, 255, 255}) {
					t.Errorf("%v image: opaque half is %v, want blue", im.Bounds().Size(), left)
				}
				if !near(right, color.RGBA{255, 255, 255, 255}) {
					t.Errorf("%v image: transparent half is %v, want white", im.Bounds().Size(), right)
				}
			}
		})
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= 24 && int(y)-int(x) <= 24 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func TestProcessPNGKinds(t *testing.T) {
	// Grey, paletted and 16-bit PNGs all come out as opaque RGB JPEGs.
	imgs := map[string]image.Image{
		"gray":     image.NewGray(image.Rect(0, 0, 30, 20)),
		"gray16":   image.NewGray16(image.Rect(0, 0, 30, 20)),
		"rgba64":   image.NewRGBA64(image.Rect(0, 0, 30, 20)), // fully transparent
		"paletted": image.NewPaletted(image.Rect(0, 0, 30, 20), color.Palette{color.NRGBA{0, 0, 0, 0}, color.Black}),
	}
	for name, im := range imgs {
		t.Run("OK/"+name, func(t *testing.T) {
			var b bytes.Buffer
			if err := png.Encode(&b, im); err != nil {
				t.Fatal(err)
			}
			res := mustProcess(t, b.Bytes(), imageproc.Limits{}, imageproc.Options{})
			if res.Width != 30 || res.Height != 20 {
				t.Fatalf("size %dx%d", res.Width, res.Height)
			}
			checkResult(t, res, imageproc.Options{})
		})
	}
}

func TestProcessQuality(t *testing.T) {
	src := photoJPEG(t, 256, 256) // noisy, so quality matters
	low := mustProcess(t, src, imageproc.Limits{}, imageproc.Options{Quality: 10})
	high := mustProcess(t, src, imageproc.Limits{}, imageproc.Options{Quality: 1000})
	def := mustProcess(t, src, imageproc.Limits{}, imageproc.Options{})
	if !(len(low.Image) < len(def.Image) && len(def.Image) < len(high.Image)) {
		t.Errorf("sizes: q10 %d, default %d, q1000(=100) %d; want increasing", len(low.Image), len(def.Image), len(high.Image))
	}
}

// photoJPEG returns a w x h JPEG with smooth gradients and noise, closer to a
// photograph's entropy than the flat fixtures.
func photoJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			n := int(seed>>27) - 16
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(min(255, max(0, x*255/w+n)))
			img.Pix[i+1] = uint8(min(255, max(0, y*255/h+n)))
			img.Pix[i+2] = uint8(min(255, max(0, (x+y)*255/(w+h)+n)))
			img.Pix[i+3] = 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func BenchmarkProcess12MP(b *testing.B) {
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"fixture-orientation6", imagetest.JPEGWithMetadata(4000, 3000, 6, imagetest.TopLeft)},
		{"photo-like", photoJPEG(b, 4000, 3000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := imageproc.Process(bc.data, imageproc.Limits{}, imageproc.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
