// Package imageproc turns an untrusted uploaded image into a normalised,
// metadata-free JPEG and a JPEG thumbnail.
//
// Process accepts JPEG, PNG and WebP only, recognised by their magic bytes
// (never by a file name or a declared content type). It reads the pixel
// dimensions from the header and refuses oversized images before decoding
// anything, so decompression bombs are never decoded. It applies the Exif
// orientation of JPEG and WebP files, downscales, flattens transparency onto
// white and re-encodes with image/jpeg, which writes no metadata segments at
// all: nothing of the source's Exif, GPS, XMP, ICC profile, IPTC or comments
// survives.
//
// Memory use is bounded by the pixel limit: the decoded source (up to 8
// bytes per pixel for 16-bit RGBA PNGs, about 1.5 for typical JPEGs, plus up
// to 12 bytes per pixel of coefficients while decoding a progressive JPEG)
// and images of at most Options.MaxSide squared. Callers should also bound
// the upload's byte size, which this package does not do.
package imageproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"
)

// Format is an accepted source format, sniffed from the bytes.
type Format string

// The accepted source formats.
const (
	FormatJPEG Format = "jpeg"
	FormatPNG  Format = "png"
	FormatWebP Format = "webp"
)

// Errors returned by Sniff and Process; test for them with errors.Is, since
// Process wraps them with details.
var (
	// ErrNotAnImage means the data is not a JPEG, PNG or WebP image, or is
	// one that is truncated, corrupt or uses a feature the decoders do not
	// support (for example arithmetic-coded, lossless or 12-bit JPEG, or
	// animated WebP).
	ErrNotAnImage = errors.New("imageproc: not a JPEG, PNG or WebP image")
	// ErrTooManyPixels means the image's header declares more pixels, or a
	// longer side, than the Limits allow. The image was not decoded.
	ErrTooManyPixels = errors.New("imageproc: image has too many pixels")
	// ErrTooSmall means the image's header declares a shorter side than
	// Limits.MinSide: too small to show a face. The image was not decoded.
	ErrTooSmall = errors.New("imageproc: image is too small")
)

// DefaultMaxPixels replaces a zero or negative Limits.MaxPixels: 40 megapixels.
const DefaultMaxPixels int64 = 40_000_000

// Defaults replacing zero or negative fields of Limits and Options.
const (
	DefaultMaxSrcSide = 12_000 // Limits.MaxSide
	DefaultMaxSide    = 2048   // Options.MaxSide
	DefaultThumbSide  = 400    // Options.ThumbSide
	DefaultQuality    = 85     // Options.Quality
)

// maxJPEGSide is the largest side image/jpeg can encode.
const maxJPEGSide = 65535

// Limits bounds the source image accepted by Process. Both are checked
// against the dimensions declared in the image header, before decoding.
// Because rotation does not change width*height or the longer side, the
// check does not depend on the Exif orientation.
type Limits struct {
	// MaxPixels is the largest accepted width*height of the source;
	// zero or negative means DefaultMaxPixels.
	MaxPixels int64
	// MaxSide is the largest accepted source width or height; zero or
	// negative means DefaultMaxSrcSide.
	MaxSide int
	// MinSide is the smallest accepted source width and height (the short
	// side); zero or negative accepts any size.
	MinSide int
}

// Options controls the output of Process.
type Options struct {
	// MaxSide is the longest side of the normalised image; larger images are
	// downscaled to fit, smaller ones are never upscaled. Zero or negative
	// means DefaultMaxSide; values above 65535 (the JPEG limit) are capped.
	MaxSide int
	// ThumbSide bounds the thumbnail, which fits in a ThumbSide x ThumbSide
	// box while keeping the aspect ratio (never upscaled). Zero or negative
	// means DefaultThumbSide; values above 65535 are capped.
	ThumbSide int
	// Quality is the JPEG quality, 1 to 100, of both outputs. Zero or
	// negative means DefaultQuality; values above 100 mean 100.
	Quality int
}

// Result is the output of Process.
type Result struct {
	// Source is the sniffed format of the input.
	Source Format
	// Image is the normalised baseline JPEG: upright (Exif orientation
	// applied), opaque RGB (transparency flattened onto white), its longer
	// side at most Options.MaxSide, and with no metadata segments at all (no
	// APPn, not even JFIF, and no COM).
	Image []byte
	// Width and Height are the dimensions of Image.
	Width, Height int
	// Thumb is a JPEG thumbnail of Image fitting in Options.ThumbSide x
	// Options.ThumbSide, with the same properties as Image.
	Thumb []byte
	// ThumbWidth and ThumbHeight are the dimensions of Thumb.
	ThumbWidth, ThumbHeight int
}

// Sniff reports the format of b from its magic bytes alone: FF D8 FF for
// JPEG, the 8-byte PNG signature, or "RIFF", four size bytes and "WEBP" for
// WebP. It never looks at a file name or declared type. Any other data gives
// ErrNotAnImage. A successful Sniff does not mean that b decodes.
func Sniff(b []byte) (Format, error) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return FormatJPEG, nil
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return FormatPNG, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return FormatWebP, nil
	}
	return "", ErrNotAnImage
}

// Process validates, decodes and normalises the uploaded image data.
//
// In order, it sniffs the format (ErrNotAnImage if it is not JPEG, PNG or
// WebP); reads the header with the format's DecodeConfig (ErrNotAnImage if
// that fails) and refuses, without decoding, an image whose width*height
// exceeds lim.MaxPixels or whose width or height exceeds lim.MaxSide
// (ErrTooManyPixels) or whose short side is under lim.MinSide
// (ErrTooSmall); decodes it (ErrNotAnImage, wrapping the decoder's
// error, if it is truncated or corrupt); downscales it to fit
// opt.MaxSide x opt.MaxSide; flattens it onto white; turns it upright
// according to the Exif orientation (all eight values; JPEG APP1 Exif or
// WebP EXIF chunk); and encodes the result and a thumbnail as JPEG.
//
// Every returned error satisfies errors.Is with ErrNotAnImage,
// ErrTooManyPixels or ErrTooSmall, except for a JPEG encoding failure, which the option
// caps make impossible. On error the Result is nil. Process never panics,
// does not retain data and is safe for concurrent use.
func Process(data []byte, lim Limits, opt Options) (*Result, error) {
	format, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	lim, opt = lim.withDefaults(), opt.withDefaults()

	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrNotAnImage, format, err)
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: %s header declares %dx%d pixels", ErrNotAnImage, format, w, h)
	}
	if w > lim.MaxSide || h > lim.MaxSide || int64(w)*int64(h) > lim.MaxPixels {
		return nil, fmt.Errorf("%w: %dx%d exceeds the limit of %d pixels and %d per side",
			ErrTooManyPixels, w, h, lim.MaxPixels, lim.MaxSide)
	}
	if min(w, h) < lim.MinSide {
		return nil, fmt.Errorf("%w: %dx%d has a side shorter than %d pixels", ErrTooSmall, w, h, lim.MinSide)
	}

	var orientation int
	switch format {
	case FormatJPEG:
		orientation = jpegOrientation(data)
	case FormatWebP:
		orientation = webpOrientation(data)
	}

	src, err := decode(format, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotAnImage, format, err)
	}
	if b := src.Bounds(); b.Dx() != w || b.Dy() != h {
		// The decoders guarantee this; checked so that the limits above
		// provably apply to what follows.
		return nil, fmt.Errorf("%w: %s decodes to %dx%d but its header says %dx%d",
			ErrNotAnImage, format, b.Dx(), b.Dy(), w, h)
	}

	// Downscale first: the box is square, so fitting before rotating gives
	// the same size as rotating first, on far fewer pixels. imaging weighs
	// colours by alpha, so resizing before flattening gives the same result
	// as flattening first.
	var img image.Image = src
	if fw, fh := fitSize(w, h, opt.MaxSide); fw != w || fh != h {
		img = imaging.Resize(src, fw, fh, imaging.Lanczos)
	}
	upright := orient(flatten(img), orientation)

	res := &Result{Source: format, Width: upright.Rect.Dx(), Height: upright.Rect.Dy()}
	if res.Image, err = encodeJPEG(upright, opt.Quality); err != nil {
		return nil, err
	}

	thumb := upright
	if tw, th := fitSize(res.Width, res.Height, opt.ThumbSide); tw != res.Width || th != res.Height {
		thumb = flatten(imaging.Resize(upright, tw, th, imaging.Lanczos))
	}
	res.ThumbWidth, res.ThumbHeight = thumb.Rect.Dx(), thumb.Rect.Dy()
	if res.Thumb, err = encodeJPEG(thumb, opt.Quality); err != nil {
		return nil, err
	}
	return res, nil
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSrcSide
	}
	return l
}

func (o Options) withDefaults() Options {
	if o.MaxSide <= 0 {
		o.MaxSide = DefaultMaxSide
	}
	o.MaxSide = min(o.MaxSide, maxJPEGSide)
	if o.ThumbSide <= 0 {
		o.ThumbSide = DefaultThumbSide
	}
	o.ThumbSide = min(o.ThumbSide, maxJPEGSide)
	if o.Quality <= 0 {
		o.Quality = DefaultQuality
	}
	o.Quality = min(o.Quality, 100)
	return o
}

// decodeConfig reads only the header of data, with the decoder of the
// sniffed format (not the image package's registry, which may hold more
// formats than are accepted here).
func decodeConfig(f Format, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		return jpeg.DecodeConfig(r)
	case FormatPNG:
		return png.DecodeConfig(r)
	case FormatWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("unknown format %q", f)
}

// decode decodes data with the decoder of the sniffed format.
func decode(f Format, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		return jpeg.Decode(r)
	case FormatPNG:
		return png.Decode(r)
	case FormatWebP:
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// fitSize returns the size of a w x h image scaled down, keeping its aspect
// ratio, to fit in a side x side box; each side is at least 1. Images that
// already fit are returned unchanged.
func fitSize(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	long, short := int64(max(w, h)), int64(min(w, h))
	s := int((short*int64(side) + long/2) / long) // rounded
	s = max(s, 1)
	if w >= h {
		return side, s
	}
	return s, side
}

// flatten returns img composited onto opaque white as an *image.RGBA whose
// bounds start at (0, 0).
func flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
		return dst
	}
	draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Over)
	return dst
}

// encodeJPEG encodes img as a baseline JPEG, which image/jpeg writes with no
// APPn or COM segments.
func encodeJPEG(img *image.RGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("imageproc: encoding JPEG: %w", err)
	}
	return buf.Bytes(), nil
}
