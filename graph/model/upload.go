package model

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/facestat/facestat"
)

// MarshalUpload marshals the Upload scalar (never sent to clients).
func MarshalUpload(u graphql.Upload) graphql.Marshaler { return graphql.MarshalUpload(u) }

// UnmarshalUpload reads the Upload scalar. Anything but a file part (a
// string where the file should be, say) is BAD_USER_INPUT on input.file,
// the one argument of this type.
func UnmarshalUpload(v any) (graphql.Upload, error) {
	u, ok := v.(graphql.Upload)
	if !ok {
		return graphql.Upload{}, facestat.InputError("input.file", facestat.ReasonInvalid,
			"expected a file part of a multipart request (see the GraphQL multipart request spec)")
	}
	return u, nil
}
