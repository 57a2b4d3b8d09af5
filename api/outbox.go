package api

import (
	"html/template"
	"net/http"

	"github.com/facestat/facestat/mail"
)

// outboxShown bounds the messages /outbox shows.
const outboxShown = 50

// outboxPage lists the local outbox's messages; html/template escapes
// everything a message holds.
var outboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>FaceStat outbox</title></head>
<body>
<h1>Outbox</h1>
{{if .Relay}}<p>Mail goes to the SMTP relay (smtp-url); this instance keeps no outbox.</p>
{{else}}<p>{{.Total}} message(s) in {{.Dir}}{{if gt .Total (len .Messages)}}; the newest {{len .Messages}} are shown{{end}}. Newest first.</p>
{{range .Messages}}<section>
<h2>{{.Time.Format "2006-01-02 15:04:05 UTC"}} · {{.Name}}</h2>
<pre>{{.Text}}</pre>
</section>
{{else}}<p>No messages.</p>
{{end}}{{end}}
</body></html>
`))

// serveOutbox shows the local outbox to operators (routed through
// operatorsOnly, like /metrics and /status): the e-mail FaceStat would have
// sent, reset links included, so it is for operators alone and never
// cached. With an SMTP relay configured it says so.
func (s *Server) serveOutbox(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Relay    bool
		Dir      string
		Total    int
		Messages []mail.Stored
	}{Relay: s.outbox == nil}
	if s.outbox != nil {
		var err error
		data.Dir = s.outbox.Dir()
		if data.Messages, data.Total, err = s.outbox.List(outboxShown); err != nil {
			logger(r.Context()).ErrorContext(r.Context(), "reading the outbox", "err", err)
			http.Error(w, "the outbox cannot be read; see the log", http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := outboxPage.Execute(w, data); err != nil {
		logger(r.Context()).WarnContext(r.Context(), "writing the outbox page", "err", err)
	}
}
