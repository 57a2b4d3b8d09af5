package photos_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/photos"
)

// TestPhotoOfKey: the image and thumbnail keys of a photo name it; other
// keys, and keys naming no well-formed id, name none.
func TestPhotoOfKey(t *testing.T) {
	id := uuid.New()
	for _, key := range []string{blob.Key("img/"+id.String(), []byte("a"), ".jpg"), blob.Key("thumb/"+id.String(), []byte("b"), ".jpg")} {
		if got, ok := photos.PhotoOfKey(key); !ok || got != id {
			t.Errorf("PhotoOfKey(%q) = %s, %v; want %s", key, got, ok, id)
		}
	}
	for _, key := range []string{
		"img/" + id.String(), // no file
		"other/" + id.String() + "/ab/c.jpg",
		"img/" + id.String()[:35] + "/ab/c.jpg",               // short id
		"img/" + uuid.New().String() + "X/ab/c.jpg",           // junk after it
		"img/{" + id.String() + "}/ab/c.jpg",                  // another spelling of the id
		"thumb/" + strings.ToUpper(id.String()) + "/ab/c.jpg", // upper case: not how ids are written
	} {
		if got, ok := photos.PhotoOfKey(key); ok {
			t.Errorf("PhotoOfKey(%q) = %s; want none", key, got)
		}
	}
}
