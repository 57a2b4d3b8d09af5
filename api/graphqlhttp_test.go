package api

import "testing"

// The response's media type follows Accept: the acceptable type with the
// highest q, the first on a tie; application/json when nothing acceptable
// is listed (the legacy default the spec allows).
func TestResponseMedia(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse, // Apollo Client
		"application/json;q=0.5, application/graphql-response+json": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":       mediaJSON,
		"application/graphql-response+json;q=0, application/json":   mediaJSON,
		"*/*":       mediaJSON,
		"text/html": mediaJSON,
		"application/graphql-response+json;charset=utf-8":                            mediaGraphQLResponse,
		"application/json;q=0.1, text/html, application/graphql-response+json;q=0.2": mediaGraphQLResponse,
		"garbage;;;": mediaJSON,
	} {
		if got := responseMedia(accept); got != want {
			t.Errorf("Accept %q: %s; want %s", accept, got, want)
		}
	}
}
