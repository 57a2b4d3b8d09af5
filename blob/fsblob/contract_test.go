package fsblob_test

import (
	"testing"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/blobtest"
)

// TestContract runs the checks every blob.Store passes (s3blob runs them too).
func TestContract(t *testing.T) {
	blobtest.Contract(t, func(t *testing.T) blob.Store {
		s, _ := newStore(t)
		return s
	})
}
