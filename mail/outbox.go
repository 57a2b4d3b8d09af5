package mail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Outbox keeps each message as a file in a folder only the service user
// may read (0700, files 0600), named <unixnano>-<RecipientHash>.eml: the
// embedded default's mail, which an operator reads at /outbox. The log says
// only that a message was written: never its recipient nor its text (a
// reset link is a password).
type Outbox struct {
	dir  string
	from string
	log  *slog.Logger
	// Now is the clock that names files.
	Now func() time.Time
}

// maxStoredBytes bounds what List reads of one message.
const maxStoredBytes = 64 << 10

// NewOutbox returns the outbox in dir, creating it (0700) when missing and
// narrowing its mode to 0700 when it exists.
func NewOutbox(dir, from string, log *slog.Logger) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{dir: dir, from: from, log: log, Now: time.Now}, nil
}

// Dir is the outbox's folder.
func (o *Outbox) Dir() string { return o.dir }

// RecipientHash is the part of an outbox file's name that names its
// recipient: the first 16 hex digits of the SHA-256 of the lower-case
// address. Erasing an account removes the files that carry its hash.
func RecipientHash(addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return hex.EncodeToString(sum[:8])
}

// Send implements Sender: it writes m atomically (a temporary file, synced,
// then renamed) as <unixnano>-<RecipientHash>.eml.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	msg, err := compose(o.from, m, gomail.NoEncoding)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	name := strconv.FormatInt(o.Now().UnixNano(), 10) + "-" + RecipientHash(m.To) + ".eml"
	if err := writeAtomic(o.dir, name, buf.Bytes()); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	o.log.InfoContext(ctx, "mail written to the outbox")
	return nil
}

// writeAtomic writes data to dir/name (0600) so that a reader sees all of
// it or nothing.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Stored is a message in the outbox.
type Stored struct {
	Name string    // the file's name
	Time time.Time // when it was written (from its name)
	Text string    // the message as sent, cut at 64 KiB
}

// List returns at most max messages, newest first, and how many the
// outbox holds in all.
func (o *Outbox) List(max int) ([]Stored, int, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("mail: outbox: %w", err)
	}
	type named struct {
		name string
		nano int64
	}
	var all []named
	for _, e := range entries {
		if nano, ok := parseName(e.Name()); ok && e.Type().IsRegular() {
			all = append(all, named{e.Name(), nano})
		}
	}
	slices.SortFunc(all, func(a, b named) int { return cmp.Compare(b.nano, a.nano) })
	out := make([]Stored, 0, min(max, len(all)))
	for _, n := range all[:min(max, len(all))] {
		text, err := readBounded(filepath.Join(o.dir, n.name), maxStoredBytes)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed meanwhile (an account erased)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("mail: outbox: %w", err)
		}
		out = append(out, Stored{Name: n.name, Time: time.Unix(0, n.nano).UTC(), Text: text})
	}
	return out, len(all), nil
}

// RemoveFor deletes the messages to addr and returns how many it deleted.
func (o *Outbox) RemoveFor(addr string) (int, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return 0, fmt.Errorf("mail: outbox: %w", err)
	}
	suffix := "-" + RecipientHash(addr) + ".eml"
	n := 0
	for _, e := range entries {
		if _, ok := parseName(e.Name()); ok && strings.HasSuffix(e.Name(), suffix) {
			if err := os.Remove(filepath.Join(o.dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return n, fmt.Errorf("mail: outbox: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// parseName returns the time stamp of an outbox file's name, if it is one.
func parseName(name string) (int64, bool) {
	stamp, rest, ok := strings.Cut(name, "-")
	hash, ok2 := strings.CutSuffix(rest, ".eml")
	if !ok || !ok2 || len(hash) != 16 {
		return 0, false
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return 0, false
	}
	nano, err := strconv.ParseInt(stamp, 10, 64)
	return nano, err == nil && nano >= 0
}

func readBounded(path string, max int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max))
	return string(b), err
}
