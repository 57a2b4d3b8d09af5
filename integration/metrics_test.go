package integration_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/metrics"
)

// TestMetrics: /metrics counts stored votes, batches and GraphQL
// operations by name, and reports the vote queue and the database pool.
func TestMetrics(t *testing.T) {
	e := startEnv(t, "", nil)
	owner := e.account(t, "measured")
	photo := liveUpload(t, e, owner, true)
	e.gql(t, e.anonymous(t), `mutation CastVote($id: ID!, $answers: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $answers}) { photo { id } } }`,
		map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
	_, body := get(t, e.URL+"/metrics")
	for _, want := range []string{
		`facestat_votes_stored_total 1`,
		`facestat_vote_batch_size_count 1`,
		`facestat_graphql_operation_duration_seconds_count\{operation="CastVote",outcome="ok",type="mutation"\} 1`,
		`facestat_vote_queue_depth 0`,
		`facestat_websockets_open 0`,
		`go_sql_open_connections\{db_name="facestat"\}`,
	} {
		if !regexp.MustCompile(want).Match(body) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// exposedNames returns the sample names in a /metrics body and, for each,
// the label pairs (name="value") its series carry.
func exposedNames(body []byte) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	pair := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		if i := strings.IndexByte(line, '{'); i >= 0 {
			for _, m := range pair.FindAllStringSubmatch(line[i:strings.LastIndexByte(line, '}')], -1) {
				out[name][m[1]+`="`+m[2]+`"`] = true
			}
		}
	}
	return out
}

// alertSelectors returns the metric names the expressions of an alerting
// rule file use, and for each the label pairs its equality matchers ask for
// (name="value"). It reads the little PromQL the rules use: strings in
// matchers, ranges, offsets, by/without/on/ignoring label lists, function
// calls and operators.
func alertSelectors(t *testing.T, rules []byte) map[string][]string {
	t.Helper()
	var exprs []string
	lines := strings.Split(string(rules), "\n")
	for i := 0; i < len(lines); i++ {
		_, expr, ok := strings.Cut(lines[i], "expr: ")
		if !ok {
			continue
		}
		if strings.TrimSpace(expr) == "|" { // a block: the lines indented deeper
			indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
			expr = ""
			for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " ")) > indent) {
				i++
				expr += lines[i] + "\n"
			}
		}
		exprs = append(exprs, expr)
	}
	if len(exprs) < 10 {
		t.Fatalf("found only %d expressions", len(exprs))
	}
	selector := regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	labelList := regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	token := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*|[0-9.]+[a-zA-Z0-9_.]*`)
	keywords := map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
	out := map[string][]string{}
	for _, expr := range exprs {
		for _, m := range selector.FindAllStringSubmatch(expr, -1) {
			for _, mm := range matcher.FindAllStringSubmatch(m[2], -1) {
				if mm[2] == "=" {
					out[m[1]] = append(out[m[1]], mm[1]+`="`+mm[3]+`"`)
				}
			}
		}
		bare := regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`).ReplaceAllString(expr, " ")
		bare = labelList.ReplaceAllString(bare, " ")
		for _, loc := range token.FindAllStringIndex(bare, -1) {
			tok := bare[loc[0]:loc[1]]
			if tok[0] >= '0' && tok[0] <= '9' || tok[0] == '.' || keywords[strings.ToLower(tok)] ||
				strings.HasPrefix(strings.TrimLeft(bare[loc[1]:], " \t\n"), "(") { // a number, a keyword, a function
				continue
			}
			if _, ok := out[tok]; !ok {
				out[tok] = nil
			}
		}
	}
	return out
}

// TestMetricsAlertNames: every metric the alert rules
// (deploy/prometheus/alerts.yml) use is exposed by a running FaceStat at
// /metrics, with the label values the rules select on: a renamed metric
// or label would leave an alert that can never fire.
func TestMetricsAlertNames(t *testing.T) {
	rules, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	used := alertSelectors(t, rules)
	for _, want := range []string{"up", "facestat_votes_stored_total", "facestat_graphql_operation_duration_seconds_bucket", "facestat_degradation_level"} {
		if _, ok := used[want]; !ok {
			t.Fatalf("the rules' metric names were not read right: %s missing from %v", want, used)
		}
	}

	e := startEnv(t, "", nil)
	owner := e.account(t, "watched")
	photo := liveUpload(t, e, owner, true)
	judge := e.anonymous(t)
	vote := request{Token: judge, Query: `mutation CastVote($id: ID!, $answers: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $answers}) { photo { id } } }`,
		Vars: map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}}
	e.do(t, vote).decode(t, &struct{}{})
	if r := e.do(t, vote); r.code() != "CONFLICT" { // an operation with an error: outcome="error"
		t.Fatalf("a repeated vote: %q, want CONFLICT (%+v %s)", r.code(), r.Errors, r.Data)
	}
	_, body := get(t, e.URL+"/metrics")
	exposed := exposedNames(body)

	// Target labels (job, instance) and up itself are Prometheus's, not
	// the instance's.
	prometheusOwn := map[string]bool{"up": true}
	var missing []string
	for name, pairs := range used {
		if prometheusOwn[name] {
			continue
		}
		if exposed[name] == nil {
			missing = append(missing, name)
			continue
		}
		for _, p := range pairs {
			if !strings.HasPrefix(p, "job=") && !strings.HasPrefix(p, "instance=") && !exposed[name][p] {
				missing = append(missing, name+"{"+p+"}")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("alerts.yml uses what /metrics does not expose:\n%s", strings.Join(missing, "\n"))
	}
}

// TestStatus: /status is an HTML page of this instance's figures that
// follow what happens (a vote stored, an operation counted, the cache
// read), and /status.json carries the same figures.
func TestStatus(t *testing.T) {
	e := startEnv(t, "", nil)
	figures := func() metrics.Figures {
		t.Helper()
		res, body := get(t, e.URL+"/status.json")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("/status.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var f metrics.Figures
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatalf("/status.json: %v\n%s", err, body)
		}
		return f
	}
	before := figures()
	if !before.Ready || !before.Alive || before.Votes.StoredTotal != 0 || before.Degradation == nil || before.Degradation.Name != "normal" {
		t.Fatalf("a fresh instance: %+v", before)
	}

	owner := e.account(t, "statused")
	photo := liveUpload(t, e, owner, true)
	e.gql(t, e.anonymous(t), `mutation CastVote($id: ID!, $answers: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $answers}) { photo { id stats { questions { count } } } } }`,
		map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
	time.Sleep(1100 * time.Millisecond) // the next page measures since the first

	after := figures()
	if after.Votes.StoredTotal != 1 || after.Votes.PerSecond <= 0 || after.Votes.BatchP50 == nil {
		t.Errorf("votes after one: %+v", after.Votes)
	}
	if after.SinceStart || after.WindowSeconds < 1 {
		t.Errorf("window: since start %v, %v s; want since the first page", after.SinceStart, after.WindowSeconds)
	}
	var cast *metrics.OperationFigures
	for i, o := range after.GraphQL.Top {
		if o.Name == "CastVote" {
			cast = &after.GraphQL.Top[i]
		}
	}
	if cast == nil || cast.Type != "mutation" || cast.ErrorRatio == nil || *cast.ErrorRatio != 0 || cast.P99Seconds == nil {
		t.Errorf("CastVote not among the busiest operations: %+v", after.GraphQL.Top)
	}
	if after.Cache.LookupsPerSecond <= 0 || after.Cache.HitRatio == nil {
		t.Errorf("no cache lookup counted: %+v", after.Cache)
	}
	if len(after.Admissions) == 0 {
		t.Error("no admission figures")
	}

	res, body := get(t, e.URL+"/status")
	page := string(body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "style-src 'sha256-") {
		t.Fatalf("/status: %d %v", res.StatusCode, res.Header)
	}
	for _, want := range []string{`<meta http-equiv="refresh" content="5">`, `<p class="big">ready</p>`, `1 stored`,
		`<td>CastVote</td><td>mutation</td>`, `0 · normal`} {
		if !strings.Contains(page, want) {
			t.Errorf("/status lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(page)
	}
}
