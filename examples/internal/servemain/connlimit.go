package servemain

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newGrace is how long a connection may go without sending a whole
// request before, at the cap, it may be closed to make room: a client
// sends its headers at once, a slow-loris attacker never does.
const newGrace = time.Second

// connLimiter is a listener that keeps at most max connections open,
// with the server's ConnState hook (track) telling it what each does.
// At the cap, a new connection makes room by closing the one idle the
// longest (a keep-alive connection between requests), else the oldest
// that has sent no whole request for newGrace; while every connection is
// serving a request, the new one waits for one to finish, and the
// connections after it wait in the kernel's backlog, holding no
// descriptor. So idle connections never hold every slot, and the server
// never runs out of descriptors in accept.
type connLimiter struct {
	net.Listener
	max int
	now func() time.Time

	mu    sync.Mutex
	conns map[net.Conn]*connInfo

	wake      chan struct{} // a connection went idle or closed; buffered 1
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	shed      atomic.Int64 // connections closed to make room
	waiting   atomic.Bool  // Accept holds a connection until there is room
}

var _ net.Listener = (*connLimiter)(nil)

// connInfo is what the limiter knows of a connection: its state, and
// since when.
type connInfo struct {
	state http.ConnState
	since time.Time
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{
		Listener: ln,
		max:      max,
		now:      time.Now,
		conns:    make(map[net.Conn]*connInfo),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

// Accept implements [net.Listener]: it returns the next connection once
// there is room for it.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		if len(l.conns) < l.max {
			l.conns[c] = &connInfo{state: http.StateNew, since: l.now()}
			l.mu.Unlock()
			return c, nil
		}
		victim, wait := l.victim()
		delete(l.conns, victim)
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
			l.shed.Add(1)
			continue
		}
		l.waiting.Store(true)
		timer := time.NewTimer(wait)
		select {
		case <-l.wake:
		case <-timer.C:
		case <-l.done:
			timer.Stop()
			l.waiting.Store(false)
			c.Close()
			return nil, net.ErrClosed
		}
		timer.Stop()
		l.waiting.Store(false)
	}
}

// victim returns the connection to close to make room, or nil and how
// long until one of those open may become one. l.mu is held.
func (l *connLimiter) victim() (net.Conn, time.Duration) {
	var idle, fresh net.Conn
	var idleSince, freshSince time.Time
	for c, info := range l.conns {
		switch info.state {
		case http.StateIdle:
			if idle == nil || info.since.Before(idleSince) {
				idle, idleSince = c, info.since
			}
		case http.StateNew:
			if fresh == nil || info.since.Before(freshSince) {
				fresh, freshSince = c, info.since
			}
		}
	}
	if idle != nil {
		return idle, 0
	}
	if fresh == nil {
		return nil, newGrace
	}
	if age := l.now().Sub(freshSince); age < newGrace {
		return nil, newGrace - age
	}
	return fresh, 0
}

// track is the server's ConnState hook.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	var now time.Time
	if state != http.StateActive { // the time matters to victim only for the others
		now = l.now()
	}
	l.mu.Lock()
	if info, ok := l.conns[c]; ok {
		switch state {
		case http.StateClosed, http.StateHijacked:
			delete(l.conns, c)
		default:
			info.state, info.since = state, now
		}
	}
	l.mu.Unlock()
	if state != http.StateActive && state != http.StateNew {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// active returns how many connections are serving a request.
func (l *connLimiter) active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, info := range l.conns {
		if info.state == http.StateActive {
			n++
		}
	}
	return n
}

// Close implements [net.Listener]; it also ends a wait for room in Accept.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}
