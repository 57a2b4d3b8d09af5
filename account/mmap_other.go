//go:build !unix

package account

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f (no mmap here: the export is
// read into memory, which MaxExportBytes bounds).
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	data = make([]byte, size)
	_, err = f.ReadAt(data, 0)
	if err == io.EOF {
		err = nil
	}
	return data, func() {}, err
}
