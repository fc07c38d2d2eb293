package servemain

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newGrace is how long a connection may go without sending a whole
// request, body included, before, at the cap, it may be closed to make
// room: a client sends its request at once, a slow-loris attacker never
// does.
const newGrace = time.Second

// connLimiter is a listener that keeps at most max connections open,
// with the server's ConnState hook (track) telling it what each does,
// and its handler (watchBodies) which ones still send a request's body.
// At the cap, a new connection makes room by closing the one idle the
// longest (a keep-alive connection between requests), else the one that
// has been sending its request, headers or body, the longest, once that
// is newGrace or more; while every connection is serving a request whose
// body has come whole, the new one waits for one to finish, and the
// connections after it wait in the kernel's backlog, holding no
// descriptor. So neither idle nor slow connections hold every slot for
// long: with every slot taken by slow senders, a queue of n connections
// is taken in at max per newGrace; and the server never runs out of
// descriptors in accept.
type connLimiter struct {
	net.Listener
	max   int
	now   func() time.Time
	grace time.Duration // newGrace; shorter in tests

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
// since when; and, while it serves a request whose body has not come
// whole, since when the handler has waited for it.
type connInfo struct {
	state http.ConnState
	since time.Time
	body  time.Time
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{
		Listener: ln,
		max:      max,
		now:      time.Now,
		grace:    newGrace,
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
	var idle, slow net.Conn
	var idleSince, slowSince time.Time
	for c, info := range l.conns {
		sending := info.since // of headers
		switch {
		case info.state == http.StateIdle:
			if idle == nil || info.since.Before(idleSince) {
				idle, idleSince = c, info.since
			}
			continue
		case info.state == http.StateActive && !info.body.IsZero():
			sending = info.body
		case info.state != http.StateNew:
			continue
		}
		if slow == nil || sending.Before(slowSince) {
			slow, slowSince = c, sending
		}
	}
	if idle != nil {
		return idle, 0
	}
	if slow == nil {
		return nil, l.grace
	}
	if age := l.now().Sub(slowSince); age < l.grace {
		return nil, l.grace - age
	}
	return slow, 0
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
			info.state, info.since, info.body = state, now, time.Time{}
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

// connKey is the context key under which watchBodies finds a request's
// connection; see conns.
type connKey struct{}

// conns is the server's ConnContext: it keeps each request's connection
// in its context, for watchBodies.
func conns(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// watchBodies tells l, while h serves a request that has a body, that
// the connection is still sending it, until the body has been read to
// its end (or the connection goes idle: the server read the rest).
func (l *connLimiter) watchBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := r.Context().Value(connKey{}).(net.Conn)
		if !ok || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		l.setBody(c, l.now())
		r.Body = &watchedBody{ReadCloser: r.Body, l: l, c: c}
		h.ServeHTTP(w, r)
	})
}

// setBody records since when c's body has been awaited; zero: no more.
func (l *connLimiter) setBody(c net.Conn, since time.Time) {
	l.mu.Lock()
	if info, ok := l.conns[c]; ok && info.state == http.StateActive {
		info.body = since
	}
	l.mu.Unlock()
}

// watchedBody is a request's body that tells its limiter when it has
// been read to the end.
type watchedBody struct {
	io.ReadCloser
	l    *connLimiter
	c    net.Conn
	done atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.done.Swap(true) {
		b.l.setBody(b.c, time.Time{})
	}
	return n, err
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
