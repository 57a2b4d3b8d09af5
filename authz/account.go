package authz

import (
	"github.com/google/uuid"

	"github.com/facestat/facestat/identity"
)

// CanReadExport reports whether v may download a data export of the
// account owner: that account's own session only (not a moderator, not an
// anonymous judge, not an API key). Whoever else asks is told nothing, not even that the
// export exists.
func CanReadExport(v *identity.Viewer, owner uuid.UUID) bool {
	return v.IsAccount() && !v.ViaKey() && v.ID == owner
}
