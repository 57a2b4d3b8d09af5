// Package imagetest builds image fixtures for tests of package imageproc and
// for integration tests elsewhere: JPEGs carrying a real Exif orientation tag,
// GPS position and XMP packet, a transparent PNG, small WebPs with metadata,
// a PNG decompression bomb and a truncated JPEG, plus helpers to inspect the
// results (HasMetadata, CornerColour, IsRed).
//
// The builders are deterministic: the same arguments always give the same
// bytes. They panic on arguments that no test should pass (non-positive sizes,
// an orientation outside 1..8), because that is a bug in the calling test.
package imagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// Corner names one corner of an image.
type Corner int

// The four corners of an image, as seen in its pixel grid (x grows to the
// right, y grows downwards).
const (
	TopLeft Corner = iota
	TopRight
	BottomLeft
	BottomRight
)

// String returns the corner's constant name, e.g. "TopLeft".
func (c Corner) String() string {
	switch c {
	case TopLeft:
		return "TopLeft"
	case TopRight:
		return "TopRight"
	case BottomLeft:
		return "BottomLeft"
	case BottomRight:
		return "BottomRight"
	}
	return fmt.Sprintf("Corner(%d)", int(c))
}

// Colours used by the fixtures.
var (
	// Background is the mid-grey that fills JPEGWithMetadata and
	// WebPWithMetadata images.
	Background = color.RGBA{R: 128, G: 128, B: 128, A: 255}
	// Marker is the pure red of the corner marker square.
	Marker = color.RGBA{R: 255, A: 255}
)

// Strings that JPEGWithMetadata and WebPWithMetadata embed in their metadata.
// A processed image must contain none of them.
const (
	// ExifMake is the Exif Make (0x010F) value.
	ExifMake = "FaceStatTestCamera"
	// XMPCreator is the dc:creator in the XMP packet.
	XMPCreator = "FaceStat Fixture Author"
)

// The GPS position written into the Exif GPS IFD (and the XMP packet):
// 52°31'12.34"N 13°24'56.78"E.
const (
	GPSLatitude  = "52,31,12.34N"
	GPSLongitude = "13,24,56.78E"
)

// markerSide returns the side of the marker square (and of the square that
// CornerColour samples) for a w x h image: an eighth of the short side, at
// least one pixel.
func markerSide(w, h int) int {
	return max(1, min(w, h)/8)
}

// cornerRect returns the s x s square at corner c of r.
func cornerRect(r image.Rectangle, c Corner, s int) image.Rectangle {
	x0, y0 := r.Min.X, r.Min.Y
	if c == TopRight || c == BottomRight {
		x0 = r.Max.X - s
	}
	if c == BottomLeft || c == BottomRight {
		y0 = r.Max.Y - s
	}
	return image.Rect(x0, y0, x0+s, y0+s)
}

func checkSize(w, h int) {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("imagetest: invalid size %dx%d", w, h))
	}
}

func checkOrientation(o int) {
	if o < 1 || o > 8 {
		panic(fmt.Sprintf("imagetest: invalid Exif orientation %d (want 1..8)", o))
	}
}

// markerImage returns a w x h mid-grey image with a red markerSide square at
// corner c.
func markerImage(w, h int, c Corner) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = Background.R, Background.G, Background.B, 255
	}
	m := cornerRect(img.Rect, c, markerSide(w, h))
	for y := m.Min.Y; y < m.Max.Y; y++ {
		for x := m.Min.X; x < m.Max.X; x++ {
			img.SetRGBA(x, y, Marker)
		}
	}
	return img
}

// JPEGWithMetadata returns a baseline JPEG of w x h stored pixels, mid-grey
// (Background), with a solid red (Marker) square of side min(w, h)/8 (at
// least 1) in the given corner of the stored, un-rotated pixel grid.
//
// After SOI the file carries, in this order, a plain JFIF APP0 segment, an
// APP1 Exif segment and an APP1 XMP segment. The Exif TIFF structure holds
// IFD0 with Make (ExifMake), Orientation (the given value, 1..8, a SHORT),
// the resolution and YCbCrPositioning tags that Exif requires, and a GPSInfo
// pointer to a GPS IFD with GPSVersionID, GPSLatitudeRef/GPSLatitude
// and GPSLongitudeRef/GPSLongitude (GPSLatitude, GPSLongitude). The TIFF byte
// order is big-endian ("MM") for even orientations and little-endian ("II")
// for odd ones, so a loop over all eight exercises both. The XMP packet
// repeats the GPS position and names XMPCreator; it carries no orientation.
//
// It panics if w or h is not positive or orientation is outside 1..8.
func JPEGWithMetadata(w, h, orientation int, marker Corner) []byte {
	checkSize(w, h)
	checkOrientation(orientation)
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, markerImage(w, h, marker), &jpeg.Options{Quality: 90}); err != nil {
		panic("imagetest: " + err.Error())
	}
	body := enc.Bytes()[2:] // drop SOI; Go writes no APPn segments.

	var out bytes.Buffer
	out.Write([]byte{0xFF, 0xD8})
	// JFIF APP0: version 1.01, aspect ratio 1:1, no thumbnail.
	writeSegment(&out, 0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	writeSegment(&out, 0xE1, append([]byte("Exif\x00\x00"), exifTIFF(orientation)...))
	writeSegment(&out, 0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket()...))
	out.Write(body)
	return out.Bytes()
}

// writeSegment appends the JPEG marker segment 0xFF marker, length, payload.
func writeSegment(b *bytes.Buffer, marker byte, payload []byte) {
	if len(payload)+2 > 0xFFFF {
		panic("imagetest: JPEG segment too long")
	}
	b.Write([]byte{0xFF, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)})
	b.Write(payload)
}

// TIFF field types.
const (
	tiffByte     = 1
	tiffASCII    = 2
	tiffShort    = 3
	tiffLong     = 4
	tiffRational = 5
)

// byteOrder is what the TIFF builder needs of binary.LittleEndian and
// binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // already in the file's byte order
}

// buildIFD lays out an IFD that starts at offset start of the TIFF
// structure: entry count, entries, next-IFD offset (0), then the values that
// do not fit in the 4-byte value field, each at an even offset.
func buildIFD(bo byteOrder, start uint32, entries []tiffEntry) []byte {
	n := len(entries)
	fixed := 2 + 12*n + 4
	ifd := make([]byte, fixed)
	var data []byte
	bo.PutUint16(ifd, uint16(n))
	for i, e := range entries {
		p := ifd[2+12*i : 2+12*i+12]
		bo.PutUint16(p[0:], e.tag)
		bo.PutUint16(p[2:], e.typ)
		bo.PutUint32(p[4:], e.count)
		if len(e.value) <= 4 {
			copy(p[8:], e.value) // left-justified, rest zero
			continue
		}
		bo.PutUint32(p[8:], start+uint32(fixed+len(data)))
		data = append(data, e.value...)
		if len(data)%2 == 1 {
			data = append(data, 0)
		}
	}
	bo.PutUint32(ifd[2+12*n:], 0) // no next IFD
	return append(ifd, data...)
}

func short(bo byteOrder, v uint16) []byte {
	return bo.AppendUint16(nil, v)
}

func long(bo byteOrder, v uint32) []byte {
	return bo.AppendUint32(nil, v)
}

func rationals(bo byteOrder, v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = bo.AppendUint32(b, x)
	}
	return b
}

// exifTIFF returns the TIFF structure (header, IFD0, GPS IFD) of an Exif
// block with the given orientation.
func exifTIFF(orientation int) []byte {
	var bo byteOrder = binary.LittleEndian
	hdr := []byte{'I', 'I', 0, 0, 0, 0, 0, 0}
	if orientation%2 == 0 {
		bo = binary.BigEndian
		hdr[0], hdr[1] = 'M', 'M'
	}
	bo.PutUint16(hdr[2:], 42)
	bo.PutUint32(hdr[4:], 8) // IFD0 right after the header

	ifd0 := func(gpsOffset uint32) []byte {
		return buildIFD(bo, 8, []tiffEntry{ // tags in ascending order
			{0x010F, tiffASCII, uint32(len(ExifMake) + 1), []byte(ExifMake + "\x00")},
			{0x0112, tiffShort, 1, short(bo, uint16(orientation))},
			{0x011A, tiffRational, 1, rationals(bo, 72, 1)}, // XResolution
			{0x011B, tiffRational, 1, rationals(bo, 72, 1)}, // YResolution
			{0x0128, tiffShort, 1, short(bo, 2)},            // ResolutionUnit: inches
			{0x0213, tiffShort, 1, short(bo, 1)},            // YCbCrPositioning: centred
			{0x8825, tiffLong, 1, long(bo, gpsOffset)},
		})
	}
	gpsOffset := uint32(8 + len(ifd0(0)))
	gps := buildIFD(bo, gpsOffset, []tiffEntry{
		{0x0000, tiffByte, 4, []byte{2, 3, 0, 0}},                         // GPSVersionID 2.3.0.0
		{0x0001, tiffASCII, 2, []byte("N\x00")},                           // GPSLatitudeRef
		{0x0002, tiffRational, 3, rationals(bo, 52, 1, 31, 1, 1234, 100)}, // GPSLatitude
		{0x0003, tiffASCII, 2, []byte("E\x00")},                           // GPSLongitudeRef
		{0x0004, tiffRational, 3, rationals(bo, 13, 1, 24, 1, 5678, 100)}, // GPSLongitude
	})
	out := append(hdr, ifd0(gpsOffset)...)
	return append(out, gps...)
}

// xmpPacket returns a small XMP packet with a creator and a GPS position.
func xmpPacket() []byte {
	return []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/">
   <dc:creator><rdf:Seq><rdf:li>` + XMPCreator + `</rdf:li></rdf:Seq></dc:creator>
   <exif:GPSLatitude>` + GPSLatitude + `</exif:GPSLatitude>
   <exif:GPSLongitude>` + GPSLongitude + `</exif:GPSLongitude>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
}

// PNG returns an 8-bit RGBA PNG of w x h pixels whose left half (x < w/2) is
// opaque pure blue and whose right half is fully transparent. The transparent
// pixels store the colour red with alpha 0 (non-premultiplied), so a
// flattener that ignores alpha shows red where a correct one shows its
// background. It panics if w or h is not positive.
func PNG(w, h int) []byte {
	checkSize(w, h)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: 255} // transparent "red"
			if x < w/2 {
				c = color.NRGBA{B: 255, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		panic("imagetest: " + err.Error())
	}
	return b.Bytes()
}

// PNGBomb returns a valid PNG whose IHDR declares w x h pixels of 1-bit
// greyscale, with every pixel zero (black). The pixel data compresses about
// 800:1, so PNGBomb(20000, 20000) is about 60 KB, is built in well under a
// second, and would need 400 MB or more once decoded. Building it costs time
// proportional to h*(w/8) bytes of zeros. It panics if w or h is not
// positive or either exceeds 2^31-1.
func PNGBomb(w, h int) []byte {
	checkSize(w, h)
	if int64(w) > 1<<31-1 || int64(h) > 1<<31-1 {
		panic("imagetest: PNG dimensions exceed 2^31-1")
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 1 // bit depth
	ihdr[9] = 0 // colour type: greyscale
	// compression, filter and interlace methods are all 0.
	writeChunk(&out, "IHDR", ihdr)

	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	if err != nil {
		panic("imagetest: " + err.Error())
	}
	// Each scanline is a filter-type byte (0, None) and (w+7)/8 zero bytes.
	zero := make([]byte, 1<<20)
	for left := int64(h) * (1 + (int64(w)+7)/8); left > 0; {
		n := min(left, int64(len(zero)))
		if _, err := zw.Write(zero[:n]); err != nil {
			panic("imagetest: " + err.Error())
		}
		left -= n
	}
	if err := zw.Close(); err != nil {
		panic("imagetest: " + err.Error())
	}
	writeChunk(&out, "IDAT", z.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

// writeChunk appends a PNG chunk (length, type, data, CRC-32).
func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// TruncatedJPEG returns the first half of a valid 256 x 256 baseline JPEG of
// deterministic noise. The cut falls inside the entropy-coded scan data, so
// the headers (including SOF and SOS) are intact: image.DecodeConfig succeeds
// and only a full decode fails.
func TruncatedJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		if i%4 == 3 {
			img.Pix[i] = 255
		} else {
			img.Pix[i] = uint8(rng.UintN(256))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic("imagetest: " + err.Error())
	}
	return b.Bytes()[:b.Len()/2]
}

// HasMetadata reports whether the JPEG jpg carries anything beyond pixels:
// any APPn segment (APP1 Exif/XMP, APP2 ICC, APP13 IPTC/Photoshop, ...) other
// than a plain JFIF APP0 without a thumbnail, any COM comment, any marker
// segment it does not recognise, or any bytes after EOI. Those are all the
// places where Exif, GPS, XMP, ICC or IPTC data can be stored in a JPEG, so
// the strings "Exif", "GPS" or "xmp" can only appear in the remaining
// structural segments (tables, frame and scan headers) or in entropy-coded
// data, where they would be pixel noise; HasMetadata therefore does not
// search those, which keeps it free of false positives.
//
// It also returns true if jpg is not a well-formed JPEG (no SOI, a segment
// running past the end, no EOI), since then it cannot vouch for it.
func HasMetadata(jpg []byte) bool {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return true
	}
	i := 2
	for {
		if i+2 > len(jpg) || jpg[i] != 0xFF {
			return true
		}
		m := jpg[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD9: // EOI
			return i+2 != len(jpg)
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no payload
			i += 2
			continue
		}
		if i+4 > len(jpg) {
			return true
		}
		n := int(jpg[i+2])<<8 | int(jpg[i+3])
		if n < 2 || i+2+n > len(jpg) {
			return true
		}
		seg := jpg[i+4 : i+2+n]
		switch {
		case m == 0xE0:
			if !plainJFIF(seg) {
				return true
			}
		case m == 0xDB, m == 0xC4, m == 0xDD, m == 0xDC, m == 0xCC: // DQT, DHT, DRI, DNL, DAC
		case m >= 0xC0 && m <= 0xCF: // SOFn
		case m == 0xDA: // SOS
		default: // APP1..APP15, COM, JPGn, anything else
			return true
		}
		i += 2 + n
		if m == 0xDA {
			i = skipEntropyCoded(jpg, i)
		}
	}
}

// plainJFIF reports whether an APP0 payload is exactly a JFIF header with no
// thumbnail.
func plainJFIF(seg []byte) bool {
	return len(seg) == 14 && string(seg[:5]) == "JFIF\x00" && seg[12] == 0 && seg[13] == 0
}

// skipEntropyCoded returns the index of the first marker (other than RSTn)
// at or after i, or len(b).
func skipEntropyCoded(b []byte, i int) int {
	for ; i+1 < len(b); i++ {
		if b[i] != 0xFF {
			continue
		}
		n := b[i+1]
		if n == 0x00 || (n >= 0xD0 && n <= 0xD7) || n == 0xFF {
			continue
		}
		return i
	}
	return len(b)
}

// CornerColour returns the average colour, rounded to 8 bits per channel, of
// the square of side min(w, h)/8 (at least 1) at corner c of img's bounds:
// the square that JPEGWithMetadata and WebPWithMetadata paint red. Like any
// color.RGBA it is alpha-premultiplied; for the opaque images that imageproc
// produces that makes no difference. It returns the zero colour for an empty
// image.
func CornerColour(img image.Image, c Corner) color.RGBA {
	b := img.Bounds()
	if b.Empty() {
		return color.RGBA{}
	}
	r := cornerRect(b, c, markerSide(b.Dx(), b.Dy()))
	var sr, sg, sb, sa, n uint64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			sr += uint64(p.R)
			sg += uint64(p.G)
			sb += uint64(p.B)
			sa += uint64(p.A)
			n++
		}
	}
	avg := func(s uint64) uint8 { return uint8((s + n/2) / n) }
	return color.RGBA{R: avg(sr), G: avg(sg), B: avg(sb), A: avg(sa)}
}

// IsRed reports whether the CornerColour of img at corner c is clearly the
// red marker: red at least 160 and green and blue at most 96 each, a
// tolerance that absorbs JPEG chroma subsampling and resampling blur at the
// marker's edges while never matching the mid-grey background.
func IsRed(img image.Image, c Corner) bool {
	p := CornerColour(img, c)
	return p.R >= 160 && p.G <= 96 && p.B <= 96
}
