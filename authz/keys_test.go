package authz_test

import (
	"os"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/identity"
)

// TestEveryMutationHasAKeyRule holds MutationRules and schema.graphql
// together: a new mutation must say what an API key needs for it.
func TestEveryMutationHasAKeyRule(t *testing.T) {
	src, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	var fields []string
	for _, f := range schema.Mutation.Fields {
		if f.Name != "__typename" && f.Name != "__schema" && f.Name != "__type" {
			fields = append(fields, f.Name)
		}
	}
	for _, f := range fields {
		if _, ok := authz.MutationRules[f]; !ok {
			t.Errorf("mutation %s has no rule in authz.MutationRules", f)
		}
	}
	for f := range authz.MutationRules {
		if !slices.Contains(fields, f) {
			t.Errorf("authz.MutationRules names %s, which schema.graphql does not have", f)
		}
	}
	// What the issue names: a key never manages the account; WRITE votes,
	// uploads and sets visibility.
	for _, f := range []string{"createApiKey", "revokeApiKey", "changePassword", "exportMyData", "deleteAccount", "moderatePhoto", "signOutOtherSessions"} {
		if authz.MutationRules[f] != authz.KeyNever {
			t.Errorf("%s must be refused to every key", f)
		}
	}
	for _, f := range []string{"castVote", "uploadPhoto", "setPhotoVisibility"} {
		if authz.MutationRules[f] != authz.KeyWrite {
			t.Errorf("%s must need WRITE", f)
		}
	}
}

func TestCanCallMutation(t *testing.T) {
	owner := uuid.New()
	read := identity.ViewerOfKey(&identity.KeyGrant{ID: 1, Owner: owner, Scopes: []identity.Scope{identity.ScopeRead}})
	write := identity.ViewerOfKey(&identity.KeyGrant{ID: 2, Owner: owner, Scopes: []identity.Scope{identity.ScopeRead, identity.ScopeWrite}})
	session := &identity.Viewer{ID: owner, Role: identity.RoleUser, SessionID: 7,
		Key: &identity.KeyGrant{ID: 1, Owner: uuid.New(), Scopes: []identity.Scope{identity.ScopeRead}}}
	for _, c := range []struct {
		v     *identity.Viewer
		field string
		ok    bool
	}{
		{read, "castVote", false},
		{write, "castVote", true},
		{write, "uploadPhoto", true},
		{write, "createApiKey", false},
		{write, "deleteAccount", false},
		{write, "aMutationNobodyListed", false},
		{session, "castVote", true}, // the session acts; the key names the app
		{session, "createApiKey", true},
		{nil, "signIn", true},
	} {
		err := authz.CanCallMutation(c.v, c.field)
		if (err == nil) != c.ok {
			t.Errorf("%s by %+v: %v, want allowed %v", c.field, c.v, err, c.ok)
		}
		if err != nil && (facestat.ErrorCode(err) != facestat.Forbidden) {
			t.Errorf("%s: code %s, want FORBIDDEN", c.field, facestat.ErrorCode(err))
		}
	}
	if authz.CanManageAccount(write) == nil || authz.CanManageAccount(session) != nil {
		t.Error("CanManageAccount: a key alone must be refused, a session allowed")
	}
	if authz.CanReadExport(write, owner) {
		t.Error("a key must not read its owner's export")
	}
}
