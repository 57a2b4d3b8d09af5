package imageproc_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/facestat/facestat/imageproc"
	"github.com/facestat/facestat/imageproc/imagetest"
)

// webpAlpha is a 16 x 16 lossy WebP with an ALPH chunk (VP8X + ALPH +
// "VP8 "), made with libwebp's cwebp 1.2.4 from imagetest.PNG(16, 16).
var webpAlpha = []byte{
	0x52, 0x49, 0x46, 0x46, 0x6c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x58,
	0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x41, 0x4c,
	0x50, 0x48, 0x12, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x30, 0xff, 0x11, 0x11, 0x42, 0x2c, 0x98, 0xcc,
	0x5f, 0xba, 0x3b, 0x83, 0x88, 0xfe, 0x47, 0x2e, 0x56, 0x50, 0x38, 0x20, 0x34, 0x00, 0x00, 0x00,
	0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x10, 0x00, 0x01, 0x40, 0x26, 0x25, 0xa0, 0x02,
	0x74, 0xba, 0x00, 0x02, 0xfe, 0x29, 0x11, 0xac, 0x00, 0x00, 0xfe, 0xfe, 0x6e, 0x00, 0x23, 0x7f,
	0xfa, 0x5c, 0x1f, 0x82, 0x3f, 0xfa, 0x5c, 0x1e, 0x80, 0x7f, 0x1b, 0xff, 0xf4, 0xb8, 0x1c, 0x3f,
	0xfd, 0x29, 0x00, 0x00,
}

// FuzzProcess checks that Process never panics, and that whatever it returns
// is either one of its two errors or a valid, metadata-free result within
// the limits.
func FuzzProcess(f *testing.F) {
	f.Add(imagetest.JPEGWithMetadata(24, 16, 6, imagetest.TopLeft))
	f.Add(imagetest.JPEGWithMetadata(17, 9, 3, imagetest.BottomRight))
	f.Add(imagetest.PNG(12, 8))
	f.Add(imagetest.PNGBomb(300, 300))
	f.Add(imagetest.WebPWithMetadata(8, false))
	f.Add(imagetest.WebPWithMetadata(5, true))
	f.Add(webpAlpha)
	f.Add(imagetest.TruncatedJPEG()[:800])
	f.Add([]byte("not an image"))
	var pal bytes.Buffer
	_ = png.Encode(&pal, image.NewPaletted(image.Rect(0, 0, 5, 3), color.Palette{color.White, color.Transparent}))
	f.Add(pal.Bytes())

	lim := imageproc.Limits{MaxPixels: 1 << 20, MaxSide: 4096}
	opt := imageproc.Options{MaxSide: 64, ThumbSide: 16, Quality: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := imageproc.Process(data, lim, opt)
		if err != nil {
			if res != nil {
				t.Fatalf("non-nil result with error %v", err)
			}
			if !errors.Is(err, imageproc.ErrNotAnImage) && !errors.Is(err, imageproc.ErrTooManyPixels) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		cfg, _, derr := image.DecodeConfig(bytes.NewReader(data))
		if derr == nil && int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
			t.Fatalf("accepted %dx%d", cfg.Width, cfg.Height)
		}
		checkResult(t, res, opt)
	})
}
