package integration_test

import (
	"regexp"
	"testing"
)

// TestMetrics: /metrics counts stored votes, batches and GraphQL
// operations by name, and reports the vote queue and the database pool.
func TestMetrics(t *testing.T) {
	e := startEnv(t, "", nil)
	owner := e.account(t, "measured")
	photo := liveUpload(t, e, owner, true)
	e.gql(t, e.anonymous(t), `mutation CastOne($id: ID!, $answers: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $answers}) { photo { id } } }`,
		map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
	_, body := get(t, e.URL+"/metrics")
	for _, want := range []string{
		`facestat_votes_stored_total 1`,
		`facestat_vote_batch_size_count 1`,
		`facestat_graphql_operation_duration_seconds_count\{operation="CastOne",outcome="ok",type="mutation"\} 1`,
		`facestat_vote_queue_depth 0`,
		`facestat_websockets_open 0`,
		`go_sql_open_connections\{db_name="facestat"\}`,
	} {
		if !regexp.MustCompile(want).Match(body) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
