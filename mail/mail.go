// Package mail sends FaceStat's e-mail (password resets): through an SMTP
// relay (smtp.go) when one is configured, else into the local outbox, one
// file per message under the data folder (outbox.go). A Postman (postman.go)
// delivers through either, retrying and counting the outcomes; nothing
// about a failure ever reaches the person who asked for the mail.
package mail

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text e-mail to one recipient.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender sends a message once; Postman retries.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Options say where mail goes.
type Options struct {
	// SMTPURL is smtp://[user:password@]host[:port] (STARTTLS when the
	// relay offers it; port 25 by default) or smtps://... (TLS from the
	// start; port 465 by default). Empty: the local outbox.
	SMTPURL string
	From    string // the From header, e.g. "FaceStat <no-reply@example.com>"
	DataDir string // the outbox is DataDir/outbox
	Timeout time.Duration
	Log     *slog.Logger
	// RootCAs, when set, are the authorities the relay's certificate must
	// come from (tests); nil: the system's.
	RootCAs *x509.CertPool
}

// New returns the Sender the options call for, and the outbox when that is
// where mail goes (nil with an SMTP relay).
func New(o Options) (Sender, *Outbox, error) {
	if o.SMTPURL != "" {
		s, err := NewSMTP(o.SMTPURL, o.From, o.Timeout, o.RootCAs)
		return s, nil, err
	}
	box, err := NewOutbox(filepath.Join(o.DataDir, "outbox"), o.From, o.Log)
	if err != nil {
		return nil, nil, err
	}
	return box, box, nil
}

// compose builds m as an RFC 5322 message from from, in the given
// transfer encoding.
func compose(from string, m Message, enc gomail.Encoding) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithEncoding(enc), gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}
