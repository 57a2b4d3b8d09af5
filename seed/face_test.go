package seed

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func faceRGBA(t testing.TB, seed uint64, w, h int) *image.RGBA {
	t.Helper()
	img := Face(rand.New(rand.NewPCG(seed, 42)), w, h)
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("Face returned %T, want *image.RGBA", img)
	}
	return rgba
}

func TestFaceDeterministic(t *testing.T) {
	for _, seed := range []uint64{0, 1, 7, 12345} {
		a := faceRGBA(t, seed, 400, 500)
		b := faceRGBA(t, seed, 400, 500)
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("seed %d: two renders differ", seed)
		}
	}
}

func TestFaceVaries(t *testing.T) {
	seen := map[[32]byte]uint64{}
	for seed := uint64(0); seed < 24; seed++ {
		sum := sha256.Sum256(faceRGBA(t, seed, 200, 250).Pix)
		if prev, dup := seen[sum]; dup {
			t.Errorf("seeds %d and %d produced identical images", prev, seed)
		}
		seen[sum] = seed
	}
}

func TestFaceBoundsAndOpaque(t *testing.T) {
	for _, sz := range [][2]int{{800, 1000}, {64, 80}, {1, 1}, {3, 200}, {300, 120}} {
		w, h := sz[0], sz[1]
		img := faceRGBA(t, 3, w, h)
		if got, want := img.Bounds(), image.Rect(0, 0, w, h); got != want {
			t.Errorf("%dx%d: bounds %v, want %v", w, h, got, want)
		}
		for i := 3; i < len(img.Pix); i += 4 {
			if img.Pix[i] != 255 {
				t.Errorf("%dx%d: pixel %d has alpha %d", w, h, i/4, img.Pix[i])
				break
			}
		}
	}
}

// TestFaceHasContent checks that a face was drawn over the background: the
// centre of the image must differ from the top corner and the image must not
// be nearly flat.
func TestFaceHasContent(t *testing.T) {
	for seed := uint64(0); seed < 8; seed++ {
		img := faceRGBA(t, seed, 160, 200)
		colours := map[[3]uint8]bool{}
		for i := 0; i < len(img.Pix); i += 4 {
			colours[[3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = true
		}
		if len(colours) < 200 {
			t.Errorf("seed %d: only %d distinct colours", seed, len(colours))
		}
		if img.RGBAAt(0, 0) == img.RGBAAt(80, 90) {
			t.Errorf("seed %d: centre equals corner", seed)
		}
	}
}

func TestFacePanics(t *testing.T) {
	cases := []struct {
		name string
		rng  *rand.Rand
		w, h int
	}{
		{"nil rng", nil, 10, 10},
		{"zero width", rand.New(rand.NewPCG(1, 2)), 0, 10},
		{"negative height", rand.New(rand.NewPCG(1, 2)), 10, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Face(tc.rng, tc.w, tc.h)
		})
	}
}

// TestFacePreview writes six 800x1000 sample portraits as PNG files, the
// way `facestat seed` draws them, and checks that they read back at that
// size. They go to FACE_PREVIEW_DIR when it is set, to look at;
// FACE_PREVIEW_SEED optionally picks the first seed (default 0), e.g.
//
//	FACE_PREVIEW_DIR=/tmp/faces go test -run Preview ./seed/
func TestFacePreview(t *testing.T) {
	dir := os.Getenv("FACE_PREVIEW_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	first := uint64(0)
	if v := os.Getenv("FACE_PREVIEW_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FACE_PREVIEW_SEED: %v", err)
		}
		first = n
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for seed := first; seed < first+6; seed++ {
		var buf bytes.Buffer
		if err := png.Encode(&buf, faceRGBA(t, seed, 800, 1000)); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("face%d.png", seed))
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 800 || cfg.Height != 1000 {
			t.Errorf("%s reads back as %dx%d (%v), want 800x1000", name, cfg.Width, cfg.Height, err)
		}
	}
}

func BenchmarkFace800x1000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		Face(rng, 800, 1000)
	}
}
