package integration_test

// Leaks: what a stranger can learn that is not theirs to know (who posted a
// private photo, the service's metrics), and the headers and CORS answers
// that keep other sites from reading or framing FaceStat.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/relay"
)

// photoFields is every field of a photo, nested objects included: all a
// judge can ask about one.
const photoFields = `id postedBy { id handle createdAt } imageUrl thumbnailUrl width height createdAt isPublic
	voteCount viewerHasVoted viewerCanSeeStats stats { id voteCount version updatedAt questions {
	question { id key prompt kind } count mean median stddev interval { low high level } yesShare
	histogram { value count } words { word count } percentile stable } }`

// rawGQL posts query and returns the whole response body, undecoded.
func (e *env) rawGQL(t *testing.T, token, query string, vars map[string]any) []byte {
	t.Helper()
	return e.do(t, request{Token: token, Query: query, Vars: vars}).Raw
}

// TestHostileJudgeSeesNoOwner: judges, anonymous or signed in, who are
// served a private photo and vote on it see everything they may (the image,
// its stats, live results) and nothing that names whose it is: not the
// owner's handle, e-mail, user id or global id, in any response of
// nextPhoto, castVote, photo, node, nodes and the live results, nor in the
// image's URL, headers or bytes. The owner still sees it is theirs.
func TestHostileJudgeSeesNoOwner(t *testing.T) {
	e := startEnv(t, "", map[string]string{"FACESTAT_MIN_VOTES": "1"})
	owner := e.account(t, "hiddenowner")
	var me struct {
		Viewer struct{ User struct{ ID string } }
	}
	e.gql(t, owner, `{ viewer { user { id } } }`, nil, &me)
	ownerID, err := relay.ParseTypedID(me.Viewer.User.ID, "User", "id")
	if err != nil {
		t.Fatal(err)
	}
	photo := liveUpload(t, e, owner, false)
	markers := []string{"hiddenowner", ownerID.String(), strings.ReplaceAll(ownerID.String(), "-", ""), me.Viewer.User.ID}

	var seen [][]byte // every response a judge got
	judges := map[string]string{"anonymous": e.anonymous(t), "account": e.account(t, "curiousjudge")}
	var sockets []*wsClient
	for name, judge := range judges {
		served := e.rawGQL(t, judge, `{ nextPhoto { `+photoFields+` } }`, nil)
		var next struct {
			Data struct {
				NextPhoto *struct{ ID, ImageURL, ThumbnailURL string }
			}
		}
		if err := json.Unmarshal(served, &next); err != nil || next.Data.NextPhoto == nil || next.Data.NextPhoto.ID != photo {
			t.Fatalf("%s: nextPhoto did not serve the private photo: %s", name, served)
		}
		seen = append(seen, served)
		voted := e.rawGQL(t, judge, `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) {
			photo { `+photoFields+` } next { id } } }`, map[string]any{"id": photo, "a": answers(30, 5, true, "calm")})
		if !bytes.Contains(voted, []byte(`"viewerCanSeeStats":true`)) {
			t.Fatalf("%s: after voting the judge should see the stats: %s", name, voted)
		}
		seen = append(seen, voted,
			e.rawGQL(t, judge, `query($id: ID!) { photo(id: $id) { `+photoFields+` } node(id: $id) { id ... on Photo { `+photoFields+` } }
				nodes(ids: [$id]) { id ... on Photo { `+photoFields+` } } }`, map[string]any{"id": photo}))
		refused := e.rawGQL(t, judge, `query($id: ID!) { photo(id: $id) { owner { handle } } }`, map[string]any{"id": photo})
		if !bytes.Contains(refused, []byte(`"OWNER_HIDDEN"`)) {
			t.Errorf("%s: owner was not refused with OWNER_HIDDEN: %s", name, refused)
		}
		seen = append(seen, refused)
		for _, u := range []string{next.Data.NextPhoto.ImageURL, next.Data.NextPhoto.ThumbnailURL} {
			res, body := get(t, u)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: GET %s: %d", name, u, res.StatusCode)
			}
			var head bytes.Buffer
			res.Header.Write(&head)
			seen = append(seen, []byte(u), head.Bytes(), body)
		}
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(judge)
		ws.subscribe("1", `subscription($id: ID!) { photoStats(photoId: $id) { id voteCount photo { `+photoFields+` } } }`, map[string]any{"id": photo})
		first := ws.next(10 * time.Second)
		if first.Type != "next" {
			t.Fatalf("%s: photoStats: %s %s", name, first.Type, first.Payload)
		}
		seen = append(seen, first.Payload)
		sockets = append(sockets, ws)
	}
	// A live event, sent as a later judge's vote arrives.
	if r := liveVote(t, e, e.anonymous(t), photo, 41); len(r.Errors) > 0 {
		t.Fatalf("third vote: %+v", r.Errors)
	}
	for _, ws := range sockets {
		deadline := time.Now().Add(10 * time.Second)
		for {
			m := ws.next(time.Until(deadline))
			seen = append(seen, m.Payload)
			if bytes.Contains(m.Payload, []byte(`"voteCount":3`)) {
				break
			}
		}
	}

	for _, b := range seen {
		for _, m := range markers {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(m))) {
				t.Errorf("a judge's view names the owner (%q) in %.400s", m, b)
			}
		}
	}

	// The owner is still told the photo is theirs.
	var mine struct {
		Photo struct{ PostedBy *struct{ Handle string } }
	}
	e.gql(t, owner, `query($id: ID!) { photo(id: $id) { postedBy { handle } } }`, map[string]any{"id": photo}, &mine)
	if mine.Photo.PostedBy == nil || mine.Photo.PostedBy.Handle != "hiddenowner" {
		t.Errorf("the owner's own view: postedBy %+v", mine.Photo.PostedBy)
	}
}

// seriesCount is the number of series /metrics exposes (from an operator:
// loopback).
func seriesCount(t *testing.T, e *env) int {
	t.Helper()
	res, body := get(t, e.URL+"/metrics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	return n
}

// randomName is a fresh identifier a stranger makes up.
func randomName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "X" + hex.EncodeToString(b)
}

// TestHostileMetricsLabelsBounded: 500 operations under made-up names and
// requests for 500 made-up paths, from 1000 addresses, add fewer than 50
// series to /metrics; the web app's operations are still measured by name.
func TestHostileMetricsLabelsBounded(t *testing.T) {
	e := startEnv(t, "", hostileSettings)
	e.do(t, request{Header: from(nthIP(0)), Query: `query NextPhoto { nextPhoto { id } }`})
	before := seriesCount(t, e)
	for i := range 500 {
		r := e.do(t, request{Header: from(nthIP(1 + i)), Query: fmt.Sprintf(`query %s { __typename }`, randomName())})
		if len(r.Errors) > 0 {
			t.Fatalf("a made-up operation: %+v", r.Errors)
		}
	}
	prefixes := []string{"/", "/graphql/", "/images/", "/assets/", "/photos/", "/judge/", "/status/"}
	for i := range 500 {
		getWith(t, e.URL+prefixes[i%len(prefixes)]+randomName(), from(nthIP(501+i)))
	}
	after := seriesCount(t, e)
	if after-before >= 50 {
		t.Errorf("1000 made-up names and paths added %d series (%d → %d), want fewer than 50", after-before, before, after)
	}
	_, body := get(t, e.URL+"/metrics")
	for _, want := range []string{`operation="NextPhoto"`, `operation="other"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	t.Logf("series: %d before, %d after", before, after)
}

// TestHostileOperatorPagesRefuseStrangers: /metrics, /status,
// /status.json and /outbox answer 403 to a client whose address is not an operator's
// (as a trusted proxy names it), to a forwarded request from a proxy that
// is not trusted (a local reverse proxy forwarding a stranger is on
// loopback), and to one carrying Forwarded or X-Real-IP; they answer an
// operator address, and any address with the operator token.
func TestHostileOperatorPagesRefuseStrangers(t *testing.T) {
	token := strings.Repeat("operator-token-", 3)
	pages := []string{"/metrics", "/status", "/status.json", "/outbox"}
	fetch := func(t *testing.T, u string, h http.Header) int {
		t.Helper()
		res, _ := getWith(t, u, h)
		return res.StatusCode
	}
	withToken := func(h http.Header, tok string) http.Header {
		h = h.Clone()
		h.Set("Authorization", "Bearer "+tok)
		return h
	}

	t.Run("BehindTrustedProxy", func(t *testing.T) {
		operators := nthIP(1 << 16) // 198.19.0.0: the operators' network
		e := startEnv(t, "", withSettings(hostileSettings, map[string]string{
			"FACESTAT_OPERATOR_TOKEN": token, "FACESTAT_OPERATOR_CIDRS": "127.0.0.1," + operators + "/24"}))
		for _, p := range pages {
			for name, c := range map[string]struct {
				h    http.Header
				want int
			}{
				"stranger":             {from(nthIP(1)), http.StatusForbidden},
				"stranger, bad token":  {withToken(from(nthIP(1)), token+"x"), http.StatusForbidden},
				"stranger, token":      {withToken(from(nthIP(1)), token), http.StatusOK},
				"operator network":     {from(operators), http.StatusOK},
				"loopback":             {http.Header{}, http.StatusOK},
				"Forwarded (unread)":   {http.Header{"Forwarded": {"for=198.18.0.9"}}, http.StatusForbidden},
				"X-Real-IP (unread)":   {http.Header{"X-Real-Ip": {"198.18.0.9"}}, http.StatusForbidden},
				"spoofed operator hop": {from(operators + ", " + nthIP(2)), http.StatusForbidden},
			} {
				if got := fetch(t, e.URL+p, c.h); got != c.want {
					t.Errorf("%s from %s: %d, want %d", p, name, got, c.want)
				}
			}
		}
		// Honest users are served meanwhile.
		if r := e.do(t, request{Header: from(nthIP(3)), Query: `{ questions { key } }`}); len(r.Errors) > 0 {
			t.Errorf("an honest query: %+v", r.Errors)
		}
	})
	t.Run("NoTrustedProxy", func(t *testing.T) {
		e := startEnv(t, "", nil) // loopback is an operator, but no proxy is trusted
		for _, p := range pages {
			if got := fetch(t, e.URL+p, from("127.0.0.1")); got != http.StatusForbidden {
				t.Errorf("%s forwarded by an untrusted local proxy: %d, want 403", p, got)
			}
			if got := fetch(t, e.URL+p, nil); got != http.StatusOK {
				t.Errorf("%s from loopback: %d, want 200", p, got)
			}
		}
	})
}

// TestHostileHeadersAndCORS: the service's answers, pages, API and
// refusals alike, carry the security headers, and a page on another
// origin gets no CORS grant unless cors-origins lists it.
func TestHostileHeadersAndCORS(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{"FACESTAT_CORS_ORIGINS": "https://app.example"}))
	for _, p := range []string{"/", "/judge", "/no-such-page", "/graphiql", "/graphql?query=%7B__typename%7D", "/graphql/nope", "/healthz", "/schema.graphql"} {
		for _, h := range []http.Header{nil, from(nthIP(7))} {
			res, _ := getWith(t, e.URL+p, h)
			if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" ||
				!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("%s (%d) lacks a security header: %v", p, res.StatusCode, res.Header)
			}
		}
	}
	res, _ := getWith(t, e.URL+"/metrics", from(nthIP(8)))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("/metrics to a stranger: %d %v", res.StatusCode, res.Header)
	}

	for origin, granted := range map[string]bool{"https://evil.example": false, "null": false, "https://app.example": true} {
		req, _ := http.NewRequest(http.MethodOptions, e.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); (got == origin) != granted || (!granted && got != "") {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q, want granted %v", origin, got, granted)
		}
		r := e.do(t, request{Header: http.Header{"Origin": {origin}}, Query: `{ questions { key } }`})
		if got := r.Header.Get("Access-Control-Allow-Origin"); (got == origin) != granted || (!granted && got != "") {
			t.Errorf("request from %s: Access-Control-Allow-Origin %q, want granted %v", origin, got, granted)
		}
	}
}
