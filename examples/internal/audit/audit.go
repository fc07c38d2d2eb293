// Package audit writes the audit trail of the example servers and of
// credsctl (their -audit-log flag): one JSON line per
// httpapi.AuditEvent, appended to a file, such as
//
//	{"time":"2026-03-01T12:00:00.123Z","operation":"reset","user":"ci","outcome":"ok","expires":"2026-03-31T12:00:00Z","previous_expires":"2026-03-02T12:00:00Z","client":"10.0.0.7"}
//
// "expires" and "previous_expires" are there for an accepted
// registration or reset that set them, "client" where the event came
// with a client's address. Lines hold no token and no hash. Text is
// ASCII: any other character is a \u escape, so that no invisible or
// look-alike character hides in a name, and a name longer than any user
// name (a refused one) is cut to 256 bytes, marked "...".
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// maxUser bounds how much of a user name goes into a line: more than
// the longest user name, 250 bytes.
const maxUser = 256

// Log is an audit trail in a file. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	sync bool // a regular file: each line is synced to disk
}

// Open opens the audit trail in the file path for appending, creating it
// with mode 0600 if it does not exist: lines from before (another run, a
// restart) stay, and other processes may append to it too.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Log{f: f, sync: fi.Mode().IsRegular()}, nil
}

// Record appends e as one line, in one write, and syncs it to disk (a
// file that is not a regular one, such as a pipe, is not synced). The
// client's address is the one ctx carries (see httpapi.ClientAddr). It
// has the shape of httpapi.HandlerConfig.OnAudit; an error means the
// line may not have been written.
func (l *Log) Record(ctx context.Context, e httpapi.AuditEvent) error {
	line, err := encode(ctx, e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("audit log: closed")
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if l.sync {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	return nil
}

// Close closes the file. Later calls of Record fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// line is what a line holds, in its order.
type line struct {
	Time            string `json:"time"`
	Operation       string `json:"operation"`
	User            string `json:"user"`
	Outcome         string `json:"outcome"`
	Expires         string `json:"expires,omitempty"`
	PreviousExpires string `json:"previous_expires,omitempty"`
	Client          string `json:"client,omitempty"`
}

// encode returns e's line, with its newline.
func encode(ctx context.Context, e httpapi.AuditEvent) ([]byte, error) {
	l := line{
		Time:            e.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Operation:       e.Operation,
		User:            cut(e.User, maxUser),
		Outcome:         e.Outcome,
		Expires:         stamp(e.Expires),
		PreviousExpires: stamp(e.PreviousExpires),
	}
	l.Client, _ = httpapi.ClientAddr(ctx)
	b, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return append(ascii(b), '\n'), nil
}

// stamp returns t as the records store it, RFC 3339 in UTC to the second,
// or "" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cut returns at most limit bytes of s, cut on a character boundary and
// marked "...".
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit] + "..."
}

// ascii returns b, valid JSON text, with every character outside ASCII
// written as a \u escape (a UTF-16 surrogate pair beyond the BMP).
func ascii(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			out = fmt.Appendf(out, `\u%04x`, u)
		}
	}
	return out
}
