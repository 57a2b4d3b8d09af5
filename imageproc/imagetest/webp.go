package imagetest

import (
	"bytes"
	"encoding/binary"
)

// WebPWidth and WebPHeight are the stored (un-rotated) dimensions of the
// images that WebPWithMetadata returns.
const (
	WebPWidth  = 128
	WebPHeight = 64
)

// Go has no WebP encoder, so the two bitstreams below were made once with
// libwebp's cwebp (1.2.4) from a 128 x 64 PNG: mid-grey (128,128,128) with a
// red (255,0,0) 8 x 8 square at the top-left corner. The lossless one
// ("cwebp -lossless -exact -z 9") decodes to exactly those pixels; the lossy
// one ("cwebp -q 90") approximately. The tests of this package decode both
// with golang.org/x/image/webp.
var (
	// vp8lMarker is the payload of the VP8L chunk (lossless).
	vp8lMarker = []byte{
		0x2f, 0x7f, 0xc0, 0x0f, 0x00, 0x85, 0xd2, 0x00, 0x48, 0x18, 0x4e, 0xe7, 0x79, 0x22, 0x69,
		0xe8, 0xfc, 0x47, 0xff, 0x27, 0x00, 0x25, 0xd9, 0xce, 0x9f, 0xf7, 0xff, 0x03, 0x10,
	}
	// vp8Marker is the payload of the "VP8 " chunk (lossy).
	vp8Marker = []byte{
		0x50, 0x04, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x00, 0x40, 0x00, 0x3e, 0x31, 0x18, 0x8b, 0x44,
		0x22, 0x21, 0xa1, 0x10, 0x84, 0x00, 0x20, 0x03, 0x04, 0xb4, 0x80, 0x00, 0x04, 0x5a, 0x89,
		0x57, 0x9a, 0xda, 0xfa, 0x74, 0xe9, 0xd3, 0xa7, 0x4e, 0x9d, 0x3a, 0x6f, 0x80, 0x00, 0xfe,
		0xea, 0x1b, 0xff, 0xfb, 0x58, 0x7f, 0xfb, 0x4e, 0xff, 0xff, 0xba, 0x16, 0xef, 0xff, 0xf5,
		0xdb, 0xaf, 0xff, 0xfc, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	}
)

// WebPWithMetadata returns an extended-format WebP of WebPWidth x
// WebPHeight stored pixels, mid-grey with a red square of side 8 at the
// top-left corner of the stored pixel grid (exact when lossless, approximate
// when lossy). Its chunks are, in order: VP8X (with the Exif and XMP flags
// set), the image (VP8L, or "VP8 " when lossy is true), EXIF and "XMP ". The
// EXIF chunk holds the same TIFF structure as JPEGWithMetadata (orientation,
// Make, GPS IFD), without the "Exif\0\0" prefix, as the WebP container
// specification requires; the XMP chunk holds the same packet.
//
// It panics if orientation is outside 1..8.
func WebPWithMetadata(orientation int, lossy bool) []byte {
	checkOrientation(orientation)
	const (
		flagXMP  = 1 << 2
		flagExif = 1 << 3
	)
	vp8x := make([]byte, 10)
	vp8x[0] = flagExif | flagXMP
	putUint24LE(vp8x[4:], WebPWidth-1)
	putUint24LE(vp8x[7:], WebPHeight-1)

	var body bytes.Buffer
	body.WriteString("WEBP")
	writeRIFFChunk(&body, "VP8X", vp8x)
	if lossy {
		writeRIFFChunk(&body, "VP8 ", vp8Marker)
	} else {
		writeRIFFChunk(&body, "VP8L", vp8lMarker)
	}
	writeRIFFChunk(&body, "EXIF", exifTIFF(orientation))
	writeRIFFChunk(&body, "XMP ", xmpPacket())

	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

func putUint24LE(b []byte, v uint32) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// writeRIFFChunk appends a RIFF chunk: FourCC, little-endian payload size,
// payload, and a zero pad byte when the size is odd.
func writeRIFFChunk(b *bytes.Buffer, fourCC string, payload []byte) {
	b.WriteString(fourCC)
	_ = binary.Write(b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	if len(payload)%2 == 1 {
		b.WriteByte(0)
	}
}
