//go:build unix

package account

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f into memory, read-only: the blob
// store reads the export from the page cache, never from a heap buffer
// as large as the export. release unmaps it.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	if size == 0 {
		return nil, func() {}, nil
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { syscall.Munmap(data) }, nil
}
