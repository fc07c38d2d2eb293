package exampletest

import (
	"bytes"
	"regexp"
	"sync"
	"time"
)

// logBuffer collects a child process's output and wakes those waiting for
// a line to appear.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

// Write appends p. It never fails.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// String returns everything written so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor returns the submatches of the first match of re in the output,
// waiting for it until timeout or until exited is closed.
func (l *logBuffer) waitFor(re *regexp.Regexp, timeout time.Duration, exited <-chan struct{}) []string {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		m := re.FindStringSubmatch(l.buf.String())
		changed := l.changed
		l.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-changed:
		case <-exited:
			// Wait has copied all the output: one last look.
			return re.FindStringSubmatch(l.String())
		case <-deadline.C:
			return nil
		}
	}
}
