package integration_test

import (
	"bytes"
	"database/sql"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/internal/testenv"
)

// TestTwoInstancesStartTogether starts two processes at once against one
// empty PostgreSQL database: both come up, the schema is migrated once, and
// they share identities (one signs, the other accepts).
func TestTwoInstancesStartTogether(t *testing.T) {
	testenv.SkipIfShort(t, "PostgreSQL and a build of the binary")
	facestatBinary(t) // build first, so both start at the same moment
	dbURL := dbtest.MustCreatePGDatabase(t)
	settings := map[string]string{"FACESTAT_DATABASE_URL": dbURL}
	procs := make([]*proc, 2)
	started := make(chan int)
	for i := range procs {
		go func() { procs[i] = startProcess(t, settings); started <- i }()
	}
	<-started
	<-started
	for _, p := range procs {
		p.waitReady(t)
	}

	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	var dirty bool
	if err := db.QueryRow("SELECT version, dirty FROM schema_migrations").Scan(&version, &dirty); err != nil {
		t.Fatal(err)
	}
	if version != latestMigration(t) || dirty {
		t.Fatalf("schema_migrations: version %s dirty %v, want %s clean", version, dirty, latestMigration(t))
	}
	migrated := strings.Count(procs[0].output(), `"database migrated"`) + strings.Count(procs[1].output(), `"database migrated"`)
	if migrated != 1 {
		t.Fatalf("the schema was migrated %d times", migrated)
	}

	a := &env{t: t, URL: procs[0].URL}
	b := &env{t: t, URL: procs[1].URL}
	var anon struct{ StartAnonymousSession struct{ Token string } }
	a.gql(t, "", `mutation { startAnonymousSession { token } }`, nil, &anon)
	var v viewerData
	b.gql(t, anon.StartAnonymousSession.Token, viewerQuery, nil, &v)
	if v.Viewer == nil || !v.Viewer.IsAnonymous {
		t.Fatalf("instance B does not accept A's anonymous token: %+v", v.Viewer)
	}
	token := a.account(t, "twin")
	b.gql(t, token, viewerQuery, nil, &v)
	if v.Viewer == nil || v.Viewer.User == nil || v.Viewer.User.Handle != "twin" {
		t.Fatalf("instance B does not accept A's session: %+v", v.Viewer)
	}
	for _, p := range procs {
		if err := p.stop(t); err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	}
}

// TestGracefulShutdown sends SIGTERM while an upload is half sent: the
// server stops accepting connections, lets the upload finish and store its
// photo, then exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	testenv.SkipIfShort(t, "a build of the binary")
	p := startProcess(t, map[string]string{"FACESTAT_LOG_LEVEL": "debug"})
	p.waitReady(t)
	e := &env{t: t, URL: p.URL}
	token := e.account(t, "leaver")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadPhoto(input: {file: $f}) { photo { id } } }","variables":{"f":null}}`)
	mw.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := mw.CreateFormFile("0", "face.jpg")
	fw.Write(imagetest.JPEGWithMetadata(320, 240, 1, imagetest.TopLeft))
	mw.Close()
	all := body.Bytes()
	half := len(all) / 2

	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/graphql", pr)
	req.ContentLength = int64(len(all))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Request-Id", "graceful-upload")
	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			results <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		results <- result{status: res.StatusCode, body: string(b)}
	}()
	if _, err := pw.Write(all[:half]); err != nil {
		t.Fatal(err)
	}
	// SIGTERM only once the server is handling the request: before that,
	// shutting down may close the connection as idle, which is right.
	p.waitLog(t, `"msg":"request started","request_id":"graceful-upload"`, 1, 10*time.Second)
	stopped := make(chan error, 1)
	go func() { stopped <- p.stop(t) }()

	// Shutdown has begun once new connections are refused.
	addr := strings.TrimPrefix(p.URL, "http://")
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener stayed open after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := pw.Write(all[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-results
	if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"photo":{"id"`) {
		t.Fatalf("in-flight upload: status %d err %v body %s", r.status, r.err, r.body)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
	}
}
