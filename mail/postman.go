package mail

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Postman delivers messages through a Sender, trying a few times with a
// growing pause, and counts every outcome in facestat_mail_sent_total
// (result: sent, retried, failed). It is a prometheus.Collector.
type Postman struct {
	sender   Sender
	log      *slog.Logger
	sent     *prometheus.CounterVec
	attempts int
	backoff  time.Duration
}

// NewPostman returns a Postman sending through s, 3 attempts, pausing
// 1 s then 2 s between them.
func NewPostman(s Sender, log *slog.Logger) *Postman {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Postman{sender: s, log: log, attempts: 3, backoff: time.Second,
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facestat_mail_sent_total",
			Help: "E-mail delivery attempts by result: sent, retried (failed, tried again), failed (given up).",
		}, []string{"result"}),
	}
	for _, r := range []string{"sent", "retried", "failed"} {
		p.sent.WithLabelValues(r) // every series from the start, at 0 (alerts read them)
	}
	return p
}

// SetRetries sets how many times a message is tried and the first pause
// (doubled after each failure); for tests.
func (p *Postman) SetRetries(attempts int, backoff time.Duration) {
	p.attempts, p.backoff = max(attempts, 1), backoff
}

// Deliver sends m, retrying failures. It returns the last error once every
// attempt failed or ctx ended. Failures are logged without the recipient.
func (p *Postman) Deliver(ctx context.Context, m Message) error {
	pause := p.backoff
	var err error
	for i := 1; ; i++ {
		if err = p.sender.Send(ctx, m); err == nil {
			p.sent.WithLabelValues("sent").Inc()
			return nil
		}
		err = redacted{err, m.To}
		if i >= p.attempts || ctx.Err() != nil {
			break
		}
		p.sent.WithLabelValues("retried").Inc()
		p.log.WarnContext(ctx, "sending mail failed; trying again", "attempt", i, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause *= 2
	}
	p.sent.WithLabelValues("failed").Inc()
	p.log.ErrorContext(ctx, "sending mail failed; giving up", "attempts", p.attempts, "err", err)
	return err
}

// Describe implements prometheus.Collector.
func (p *Postman) Describe(ch chan<- *prometheus.Desc) { p.sent.Describe(ch) }

// Collect implements prometheus.Collector.
func (p *Postman) Collect(ch chan<- prometheus.Metric) { p.sent.Collect(ch) }

// redacted is an error whose text has the recipient's address blanked
// (a relay's answer often quotes it), so that the log never holds it.
type redacted struct {
	err error
	to  string
}

func (r redacted) Error() string {
	if r.to == "" {
		return r.err.Error()
	}
	return strings.ReplaceAll(r.err.Error(), r.to, "<recipient>")
}

func (r redacted) Unwrap() error { return r.err }

// Collector returns the counter of one result (sent, retried, failed).
func (p *Postman) Collector(result string) prometheus.Counter {
	return p.sent.WithLabelValues(result)
}
