package docs_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/imageproc/imagetest"
)

// TestGuideShowsExamples: every file of docs/examples is in API-GUIDE.md,
// whole, as a fenced code block, so that what the guide shows is what
// TestExamplesRun runs.
func TestGuideShowsExamples(t *testing.T) {
	guide, err := os.ReadFile("API-GUIDE.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("examples/*")
	if len(files) < 3 {
		t.Fatalf("docs/examples holds %d files", len(files))
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(guide, append([]byte("\n"), append(src, "```\n"...)...)) {
			t.Errorf("API-GUIDE.md does not show %s whole in a code block (copy the file into it)", f)
		}
	}
}

// apiURL is the variable the examples read the server's URL from.
const apiURL = "API_URL"

var runningAt = regexp.MustCompile(`FaceStat is running at (http://\S+)`)

// TestExamplesRun runs the guide's examples against a real FaceStat on
// loopback (the embedded SQLite default) holding one public photo: the
// curl ones with sh, the JavaScript ones with Node (the web app's
// node_modules provide urql and graphql-ws; make test installs them).
func TestExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	modules, err := filepath.Abs("../frontend/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "urql")); err != nil {
		t.Fatalf("%v: install the web app's dependencies first (npm ci --prefix frontend; make test does)", err)
	}
	url := startServer(t)
	seedPublicPhoto(t, url)

	run := func(t *testing.T, cmd *exec.Cmd) string {
		t.Helper()
		cmd.Env = append(os.Environ(), apiURL+"="+url)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		return string(out)
	}
	t.Run("public-photos.sh", func(t *testing.T) {
		out := run(t, exec.Command("sh", "examples/public-photos.sh"))
		if !strings.Contains(out, `"thumbnailUrl":"http`) || strings.Contains(out, `"errors"`) {
			t.Errorf("want a public photo, got %s", out)
		}
	})
	t.Run("anonymous-judge.sh", func(t *testing.T) {
		out := run(t, exec.Command("sh", "examples/anonymous-judge.sh"))
		if !strings.Contains(out, `"isAnonymous":true`) || !strings.Contains(out, `"survey":[{"key"`) {
			t.Errorf("want an anonymous viewer and a photo with its survey, got %s", out)
		}
	})
	t.Run("persisted-query.sh", func(t *testing.T) {
		out := run(t, exec.Command("sh", "examples/persisted-query.sh"))
		if !strings.Contains(out, `"code":"PERSISTED_QUERY_NOT_FOUND"`) || !strings.Contains(out, `"questions":[{"key"`) {
			t.Errorf("want PERSISTED_QUERY_NOT_FOUND, then the questions by the hash alone, got %s", out)
		}
	})
	t.Run("judge.mjs", func(t *testing.T) {
		// Node resolves imports from the file's folder: run a copy inside
		// the web app's node_modules (git ignores it).
		dir, err := os.MkdirTemp(modules, ".facestat-docs-examples-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		src, err := os.ReadFile("examples/judge.mjs")
		if err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(dir, "judge.mjs")
		if err := os.WriteFile(script, src, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{script}
		if v, _ := exec.Command("node", "--version").Output(); strings.HasPrefix(string(v), "v20.") {
			args = append([]string{"--experimental-websocket", "--no-warnings"}, args...)
		}
		out := run(t, exec.Command("node", args...))
		for _, want := range []string{"photoStats: 1 votes", "voted on "} {
			if !strings.Contains(out, want) {
				t.Errorf("want %q in the output:\n%s", want, out)
			}
		}
	})
}

// startServer builds cmd/facestat and runs `facestat serve` on a free
// loopback port with its embedded default in a temporary folder, until the
// test ends.
func startServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "facestat")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/facestat/facestat/cmd/facestat").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "FACESTAT_ADDR=127.0.0.1:0", "FACESTAT_DATA_DIR="+filepath.Join(dir, "data"),
		"FACESTAT_DATABASE_URL=", "FACESTAT_ARGON2_MEMORY=64", "FACESTAT_ARGON2_TIME=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case url := <-urls:
		return url
	case <-time.After(90 * time.Second):
		t.Fatalf("facestat did not start within 90 s")
	}
	return ""
}

// seedPublicPhoto signs up an account and uploads a public photo with
// its consent.
func seedPublicPhoto(t *testing.T, url string) {
	t.Helper()
	var signUp struct {
		Data struct{ SignUp struct{ Token string } }
	}
	post(t, url, "", "application/json", strings.NewReader(`{"query":"mutation { signUp(input: {handle: \"example\", email: \"example@example.com\", password: \"correct horse battery\"}) { token } }"}`), &signUp)
	token := signUp.Data.SignUp.Token
	if token == "" {
		t.Fatal("signUp gave no token")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadPhoto(input: {file: $f, public: true, consent: {showsMe: true, adult: true, acceptsJudging: true}}) { photo { id } } }","variables":{"f":null}}`)
	mw.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := mw.CreateFormFile("0", "face.jpg")
	fw.Write(imagetest.JPEGWithMetadata(400, 400, 1, imagetest.TopLeft))
	mw.Close()
	var up struct {
		Data struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
	}
	post(t, url, token, mw.FormDataContentType(), &body, &up)
	if up.Data.UploadPhoto.Photo.ID == "" {
		t.Fatal("uploadPhoto stored no photo")
	}
}

func post(t *testing.T, url, token, contentType string, body io.Reader, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", body)
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, out); err != nil || bytes.Contains(raw, []byte(`"errors"`)) {
		t.Fatalf("status %d: %s", res.StatusCode, raw)
	}
}
