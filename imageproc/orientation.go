package imageproc

import (
	"encoding/binary"
	"image"
)

// Exif orientation handling.
//
// The Exif Orientation tag (0x0112, a SHORT in IFD0) says how the stored
// pixel grid must be transformed for display:
//
//	1 as stored            5 transpose (mirror about the main diagonal)
//	2 mirror horizontally  6 rotate 90° clockwise
//	3 rotate 180°          7 transverse (mirror about the anti-diagonal)
//	4 mirror vertically    8 rotate 90° counter-clockwise
//
// The parsers below are written for untrusted input: every offset is checked
// against the slice before use, and anything malformed simply means "no
// orientation" (0), never an error, because the pixels may still decode.

// jpegOrientation returns the orientation (1..8) from the first APP1 Exif
// segment of a JPEG, or 0 if there is none or it is malformed. Unlike
// github.com/disintegration/imaging, which gives up at the first APP1 even if
// that is XMP, it looks at every segment before the first SOS.
func jpegOrientation(b []byte) int {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 0
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD8): // TEM, RSTn, SOI: no payload
			i += 2
			continue
		case m == 0xDA || m == 0xD9: // SOS, EOI: no more headers
			return 0
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 || n > len(b)-i-2 {
			return 0
		}
		seg := b[i+4 : i+2+n]
		// "Exif\0" and a pad byte, normally 0 (some writers use 0xFF).
		if m == 0xE1 && len(seg) >= 6 && string(seg[:5]) == "Exif\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 0
}

// webpOrientation returns the orientation (1..8) from the EXIF chunk of a
// WebP file, or 0 if there is none or it is malformed. The chunk normally
// holds a bare TIFF structure; an "Exif\0\0" prefix, which some writers add,
// is skipped.
func webpOrientation(b []byte) int {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0
	}
	end := len(b)
	if riff := uint64(binary.LittleEndian.Uint32(b[4:8])) + 8; riff < uint64(end) {
		end = int(riff)
	}
	for i := 12; i+8 <= end; {
		size := uint64(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		if size > uint64(end-i-8) {
			return 0
		}
		payload := b[i+8 : i+8+int(size)]
		if string(b[i:i+4]) == "EXIF" {
			if len(payload) >= 6 && string(payload[:6]) == "Exif\x00\x00" {
				payload = payload[6:]
			}
			return tiffOrientation(payload)
		}
		i += 8 + int(size) + int(size&1)
	}
	return 0
}

// tiffOrientation returns the Orientation tag of IFD0 of the TIFF structure
// t (as found in Exif), or 0 if it is absent, malformed, not a single SHORT
// or outside 1..8.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 0
	}
	ifd := uint64(bo.Uint32(t[4:8]))
	if ifd+2 > uint64(len(t)) {
		return 0
	}
	n := uint64(bo.Uint16(t[ifd:]))
	for k := uint64(0); k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 0
		}
		entry := t[e : e+12]
		if bo.Uint16(entry[0:2]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if bo.Uint16(entry[2:4]) != typeShort || bo.Uint32(entry[4:8]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(entry[8:10])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orient returns src transformed for display according to the Exif
// orientation o; for 1, 0 or any unknown value it returns src itself.
// src's bounds must start at (0, 0).
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// Source pixel (x, y) goes to destination (ax*x + bx*y + cx,
	// ay*x + by*y + cy).
	var ax, bx, cx, ay, by, cy int
	switch o {
	case 2: // mirror horizontally
		ax, cx, by = -1, w-1, 1
	case 3: // rotate 180°
		ax, cx, by, cy = -1, w-1, -1, h-1
	case 4: // mirror vertically
		ax, by, cy = 1, -1, h-1
	case 5: // transpose
		bx, ay = 1, 1
	case 6: // rotate 90° clockwise
		bx, cx, ay = -1, h-1, 1
	case 7: // transverse
		bx, cx, ay, cy = -1, h-1, -1, w-1
	case 8: // rotate 90° counter-clockwise
		bx, ay, cy = 1, -1, w-1
	}
	// The same as byte offsets into dst.Pix.
	stepX := ay*dst.Stride + ax*4
	stepY := by*dst.Stride + bx*4
	base := cy*dst.Stride + cx*4
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+w*4]
		d := base + y*stepY
		for x := 0; x < w; x++ {
			copy(dst.Pix[d:d+4], row[x*4:x*4+4])
			d += stepX
		}
	}
	return dst
}
