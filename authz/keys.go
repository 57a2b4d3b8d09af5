package authz

import (
	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
)

// API keys (issue 15). A request with an API key alone (Viewer.ViaKey)
// acts as the key's owner within the key's scopes: READ reads what the
// owner may read (its own photos and stats included); WRITE also votes,
// skips, reports, uploads and sets visibility. A key never manages the
// account: not its keys, password, sessions, export, deletion, consent
// nor moderation. A key sent with a session token changes nothing here:
// the session's viewer acts, and the key only names the application.

// KeyRule is what an API key alone needs to call a mutation.
type KeyRule int

// The rules of MutationRules.
const (
	// KeyNever: no key may call it (it manages the account or the
	// service, or it makes sessions).
	KeyNever KeyRule = iota
	// KeyWrite: keys with the WRITE scope.
	KeyWrite
)

// MutationRules says, for every mutation, what an API key alone needs to
// call it. A mutation missing here is refused to every key (fail closed);
// TestEveryMutationHasAKeyRule holds it and schema.graphql together.
var MutationRules = map[string]KeyRule{
	// Sessions: a key is not a session, and makes none.
	"startAnonymousSession": KeyNever,
	"signUp":                KeyNever,
	"signIn":                KeyNever,
	"refreshSession":        KeyNever,
	"signOut":               KeyNever,
	// The owner's photos and judging.
	"uploadPhoto":        KeyWrite,
	"setPhotoVisibility": KeyWrite,
	"castVote":           KeyWrite,
	"skipPhoto":          KeyWrite,
	"reportPhoto":        KeyWrite,
	// Irreversible or legal: a person does these, in the app.
	"deletePhoto":         KeyNever,
	"confirmPhotoConsent": KeyNever,
	// The account and the service.
	"setDegradation":       KeyNever,
	"moderatePhoto":        KeyNever,
	"changePassword":       KeyNever,
	"requestPasswordReset": KeyNever,
	"resetPassword":        KeyNever,
	"signOutOtherSessions": KeyNever,
	"exportMyData":         KeyNever,
	"deleteAccount":        KeyNever,
	"createApiKey":         KeyNever,
	"revokeApiKey":         KeyNever,
}

// CanCallMutation returns nil when v may call the mutation field (a
// root field of Mutation) as far as API keys go: always for a viewer not
// proved by a key alone; for one that is, what MutationRules says.
// FORBIDDEN (reason KEY_SCOPE) otherwise.
func CanCallMutation(v *identity.Viewer, field string) error {
	if !v.ViaKey() {
		return nil
	}
	rule, ok := MutationRules[field]
	switch {
	case ok && rule == KeyWrite && v.Key.Has(identity.ScopeWrite):
		return nil
	case ok && rule == KeyWrite:
		return &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonKeyScope,
			Message: "this API key has only the READ scope; " + field + " needs WRITE"}
	}
	return &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonKeyScope,
		Message: "an API key never manages the account: sign in to the app for " + field}
}

// CanManageAccount returns nil when v may manage its account (its API
// keys, sessions, password, export, deletion): a signed-in session, never
// an API key alone. UNAUTHENTICATED without an account; FORBIDDEN
// (KEY_SCOPE) for a key.
func CanManageAccount(v *identity.Viewer) error {
	if err := RequireAccount(v); err != nil {
		return err
	}
	if v.ViaKey() {
		return &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonKeyScope,
			Message: "an API key never manages the account: sign in to the app"}
	}
	return nil
}
