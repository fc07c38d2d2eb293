package main

import (
	"bufio"
	"bytes"
	"io"
	"regexp"
	"sync"
)

// ledger holds every token the run issued or learned, to look for them in
// the server's log. It is safe for concurrent use.
type ledger struct {
	mu     sync.Mutex
	tokens map[string]struct{}
}

func newLedger() *ledger { return &ledger{tokens: map[string]struct{}{}} }

// add records token.
func (l *ledger) add(token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens[token] = struct{}{}
}

// has reports whether token was recorded.
func (l *ledger) has(token string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.tokens[token]
	return ok
}

// listening matches the line the example servers log once they accept
// connections.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// maxStartLines bounds the lines of a server's log kept to explain why it
// did not start.
const maxStartLines = 20

// serverLog reads a server's log as it is written: it reports the address
// of the "listening" line, keeps the lines before it, counts the warnings
// and errors after it, and looks for tokens in every line. The log itself
// is not kept: a busy server writes a line per request.
type serverLog struct {
	tokens *ledger
	addr   chan string // receives the listening address, once; buffered

	mu       sync.Mutex
	start    []string // the lines up to the listening line
	problems int      // lines at level WARN or ERROR after it
	leaked   int      // lines holding a token the run knows
}

// read consumes r until EOF.
func (l *serverLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	started := false
	for sc.Scan() {
		line := sc.Bytes()
		leaked := l.holdsToken(line)
		l.mu.Lock()
		if leaked {
			l.leaked++
		}
		if !started && len(l.start) < maxStartLines {
			l.start = append(l.start, string(line))
		}
		if started && (bytes.Contains(line, []byte("level=WARN")) || bytes.Contains(line, []byte("level=ERROR"))) {
			l.problems++
		}
		l.mu.Unlock()
		if m := listening.FindSubmatch(line); !started && m != nil {
			started = true
			l.addr <- string(m[1])
		}
	}
	_, _ = io.Copy(io.Discard, r) // a line over the limit stops the scanner
}

// holdsToken reports whether line holds a run of hex digits that is a
// token the run knows, in either case. A scan byte by byte: the log's
// usual lines hold no long hex run and cost nothing more.
func (l *serverLog) holdsToken(line []byte) bool {
	run := 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && isHex(line[i]) {
			run++
			continue
		}
		if run == 2*tokenBytes && l.tokens.has(string(bytes.ToLower(line[i-run:i]))) {
			return true
		}
		run = 0
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// counts returns the lines before the listening line, the warnings and
// errors after it and the lines that held a token.
func (l *serverLog) counts() (start []string, problems, leaked int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.start...), l.problems, l.leaked
}
