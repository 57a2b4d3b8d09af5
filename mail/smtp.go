package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends through a mail relay, one connection per message (resets are
// rare; a kept connection would only time out between them).
type SMTP struct {
	from   string
	mu     sync.Mutex
	client *gomail.Client
}

// NewSMTP returns a Sender for the relay at rawURL (see Options.SMTPURL),
// giving each message at most timeout (10 s when 0), trusting roots (nil:
// the system's) for the relay's certificate. Credentials go only over TLS
// (STARTTLS or smtps), by the strongest mechanism the relay offers.
func NewSMTP(rawURL, from string, timeout time.Duration, roots *x509.CertPool) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("mail: smtp-url must be smtp://host[:port] or smtps://host[:port]")
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	port := 25
	opts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithTLSConfig(&tls.Config{ServerName: u.Hostname(), RootCAs: roots, MinVersion: tls.VersionTLS12})}
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: smtp-url: bad port %q", p)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client: %w", err)
	}
	return &SMTP{from: from, client: c}, nil
}

// Send implements Sender: one SMTP session that delivers m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := compose(s.from, m, gomail.EncodingQP)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client.DialAndSendWithContext(ctx, msg)
}
