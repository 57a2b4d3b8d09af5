package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/facestat/facestat/mail"
	"github.com/facestat/facestat/mail/smtptest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	smtptest.Cleanup()
	os.Exit(code)
}

const secretLink = "http://localhost:8080/reset-password?token=fsp_SECRETSECRETSECRET"

func message(to string) mail.Message {
	return mail.Message{To: to, Subject: "Reset your FaceStat password", Body: "Open this link:\n\n" + secretLink + "\n\nIt expires in 30 minutes.\n"}
}

func TestOutbox(t *testing.T) {
	t.Run("WritesPrivateFilesNamedByRecipientHash", func(t *testing.T) {
		data := t.TempDir()
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		sender, box, err := mail.New(mail.Options{From: "FaceStat <no-reply@localhost>", DataDir: data, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		if box == nil || sender != mail.Sender(box) {
			t.Fatal("without smtp-url, mail goes to the outbox")
		}
		if err := sender.Send(context.Background(), message("Alice@Example.com")); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(data, "outbox")
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("outbox mode %v, want 0700", st.Mode().Perm())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("outbox holds %d entries, want 1 (no temporary file left)", len(entries))
		}
		name := entries[0].Name()
		hash := mail.RecipientHash("alice@example.com")
		if !regexp.MustCompile(`^[0-9]+-`+hash+`\.eml$`).MatchString(name) || len(hash) != 16 {
			t.Errorf("file %q, want <unixnano>-%s.eml", name, hash)
		}
		info, _ := entries[0].Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", info.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, name))
		for _, want := range []string{"To: <Alice@Example.com>", "Subject: Reset your FaceStat password", secretLink, "Content-Type: text/plain"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("message lacks %q:\n%s", want, b)
			}
		}
		if logged.Len() == 0 || strings.Contains(logged.String(), "fsp_") || strings.Contains(strings.ToLower(logged.String()), "alice") {
			t.Errorf("the log must say a message was written, without token or address: %q", logged.String())
		}
	})
	t.Run("ExistingFolderNarrowedTo0700", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "outbox")
		os.Mkdir(dir, 0o755)
		if _, err := mail.NewOutbox(dir, "a@b.example", nil); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
			t.Errorf("mode %v, want 0700", st.Mode().Perm())
		}
	})
	t.Run("ListsNewestFirstBoundedAndRemovesByRecipient", func(t *testing.T) {
		box, err := mail.NewOutbox(t.TempDir(), "a@b.example", nil)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		for i, to := range []string{"a@x.example", "b@x.example", "a@x.example"} {
			box.Now = func() time.Time { return at.Add(time.Duration(i) * time.Second) }
			if err := box.Send(context.Background(), message(to)); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(box.Dir(), "junk.txt"), []byte("x"), 0o600)
		got, total, err := box.List(2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(got) != 2 || !got[0].Time.After(got[1].Time) || !got[0].Time.Equal(at.Add(2*time.Second)) {
			t.Fatalf("List(2) = %d of %d, times %v", len(got), total, got)
		}
		n, err := box.RemoveFor("A@x.example")
		if err != nil || n != 2 {
			t.Fatalf("RemoveFor = %d, %v; want 2", n, err)
		}
		if _, total, _ := box.List(10); total != 1 {
			t.Errorf("%d left, want 1", total)
		}
	})
}

func TestSMTP(t *testing.T) {
	t.Run("DeliversWithAuth", func(t *testing.T) {
		o := smtptest.Options{User: "facestat", Pass: "s3cret pass", TLS: true}
		srv := smtptest.Start(t, o)
		sender, box, err := mail.New(mail.Options{SMTPURL: "smtp://facestat:s3cret%20pass@" + srv.Addr, From: "FaceStat <no-reply@facestat.example>", RootCAs: srv.RootCAs(t)})
		if err != nil {
			t.Fatal(err)
		}
		if box != nil {
			t.Error("with smtp-url there is no outbox")
		}
		p := mail.NewPostman(sender, nil)
		if err := p.Deliver(context.Background(), message("bob@example.com")); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t, 1, 10*time.Second)
		if got[0].Auth != "facestat" || len(got[0].To) != 1 || got[0].To[0] != "bob@example.com" || got[0].From != "no-reply@facestat.example" {
			t.Errorf("envelope %+v", got[0])
		}
		if !strings.Contains(got[0].Data, "Subject: Reset your FaceStat password") || !strings.Contains(got[0].Data, "fsp_SECRET") {
			t.Errorf("message:\n%s", got[0].Data)
		}
		if v := testutil.ToFloat64(p.Collector("sent")); v != 1 {
			t.Errorf("sent = %v, want 1", v)
		}
	})
	t.Run("WrongPasswordFails", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{User: "facestat", Pass: "right", TLS: true})
		sender, _, err := mail.New(mail.Options{SMTPURL: "smtp://facestat:wrong@" + srv.Addr, From: "a@b.example", RootCAs: srv.RootCAs(t)})
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		p := mail.NewPostman(sender, slog.New(slog.NewTextHandler(&logged, nil)))
		p.SetRetries(2, time.Millisecond)
		if err := p.Deliver(context.Background(), message("carol@example.com")); err == nil {
			t.Fatal("delivered with a wrong password")
		}
		if n := len(srv.Messages(t)); n != 0 {
			t.Errorf("%d messages arrived", n)
		}
		if testutil.ToFloat64(p.Collector("failed")) != 1 || testutil.ToFloat64(p.Collector("retried")) != 1 {
			t.Errorf("failed %v, retried %v; want 1 and 1", testutil.ToFloat64(p.Collector("failed")), testutil.ToFloat64(p.Collector("retried")))
		}
		if strings.Contains(logged.String(), "carol@") || strings.Contains(logged.String(), "fsp_") {
			t.Errorf("the log holds the address or the token: %s", logged.String())
		}
	})
	t.Run("TemporaryFailureRetried", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Fail: 1})
		sender, _, err := mail.New(mail.Options{SMTPURL: srv.URL(smtptest.Options{}), From: "a@b.example"})
		if err != nil {
			t.Fatal(err)
		}
		p := mail.NewPostman(sender, nil)
		p.SetRetries(3, time.Millisecond)
		if err := p.Deliver(context.Background(), message("dave@example.com")); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Wait(t, 1, 10*time.Second)); n != 1 {
			t.Errorf("%d messages, want 1", n)
		}
		if testutil.ToFloat64(p.Collector("retried")) != 1 || testutil.ToFloat64(p.Collector("sent")) != 1 {
			t.Error("want one retry, then sent")
		}
	})
	// Refused: credentials to a relay without TLS; a relay whose
	// certificate the system does not trust (STARTTLS offered, then
	// failing, is not a reason to send in the clear).
	for name, o := range map[string]smtptest.Options{
		"NoCredentialsInTheClear":     {User: "facestat", Pass: "right"},
		"UntrustedCertificateRefused": {TLS: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := smtptest.Start(t, o)
			sender, _, err := mail.New(mail.Options{SMTPURL: srv.URL(o), From: "a@b.example"}) // system roots
			if err != nil {
				t.Fatal(err)
			}
			p := mail.NewPostman(sender, nil)
			p.SetRetries(1, 0)
			if err := p.Deliver(context.Background(), message("erin@example.com")); err == nil {
				t.Fatal("sent")
			}
			if n := len(srv.Messages(t)); n != 0 {
				t.Fatalf("%d messages arrived", n)
			}
		})
	}
	t.Run("BadURLRefused", func(t *testing.T) {
		for _, u := range []string{"http://x", "smtp://", "smtp://host:notaport"} {
			if _, err := mail.NewSMTP(u, "a@b.example", 0, nil); err == nil {
				t.Errorf("%q accepted", u)
			}
		}
	})
}
