// Command smtpserver is an SMTP server for tests, run as a process of its
// own (github.com/emersion/go-smtp): it accepts every message and writes
// each, with its envelope, as a JSON file into -dir (atomically: a
// temporary file renamed), where the test reads it. It listens on -addr
// (127.0.0.1:0 by default, a free port), prints the address it listens on
// as the first line of its standard output, and serves until it is killed
// or its standard input reaches end of file (so it does not outlive a test
// binary that died without killing it).
//
// With -user and -pass it requires AUTH PLAIN with those credentials.
// With -tls it offers STARTTLS with a self-signed certificate for
// 127.0.0.1 and localhost, which it writes to <dir>/cert.pem for clients
// to trust. With -fail N it answers
// the first N messages with a temporary failure (451), for tests of
// retries.
//
// Start it through package smtptest rather than by hand.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is what the server writes for each message.
type Received struct {
	From string   `json:"from"`
	To   []string `json:"to"`
	Data string   `json:"data"`
	Auth string   `json:"auth"` // the user that authenticated, if any
}

type backend struct {
	dir        string
	user, pass string
	fail       atomic.Int64
	seq        atomic.Int64
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b    *backend
	msg  Received
	auth string
}

func (s *session) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return errors.New("invalid credentials")
		}
		s.auth = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && s.auth == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = Received{From: from, Auth: s.auth}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.fail.Add(-1) >= 0 {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.msg.Data = string(b)
	out, _ := json.Marshal(s.msg)
	name := fmt.Sprintf("%020d-%06d.json", time.Now().UnixNano(), s.b.seq.Add(1))
	tmp := filepath.Join(s.b.dir, "."+name)
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.b.dir, name))
}

func (s *session) Reset()        { s.msg = Received{} }
func (s *session) Logout() error { return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dir := flag.String("dir", "", "folder to write received messages into")
	user := flag.String("user", "", "require AUTH PLAIN with this user")
	pass := flag.String("pass", "", "and this password")
	fail := flag.Int("fail", 0, "answer the first N messages 451")
	offerTLS := flag.Bool("tls", false, "offer STARTTLS (self-signed; certificate in <dir>/cert.pem)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("smtpserver: ")
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	be := &backend{dir: *dir, user: *user, pass: *pass}
	be.fail.Store(int64(*fail))
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 1 << 20
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	if *offerTLS {
		cfg, err := selfSigned(filepath.Join(*dir, "cert.pem"))
		if err != nil {
			log.Fatal(err)
		}
		srv.TLSConfig = cfg
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(l.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(srv.Serve(l))
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, writes it
// (PEM) to certFile and returns a TLS configuration serving it.
func selfSigned(certFile string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "smtpserver"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, nil
}
