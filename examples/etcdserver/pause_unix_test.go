//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/fixiecreds/fixiecreds/examples/internal/embedetcd"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// TestPausedServer: a server with users cached and connections open is
// stopped (SIGSTOP) for more than half a second while another server
// resets every user, and, in the second case, while etcd restarts and
// compacts away the revisions the paused server has not seen. Requests
// with the old tokens, sent on the open connections during the pause,
// wait in the kernel; once the server runs again (SIGCONT), none is
// accepted, and every new token is.
func TestPausedServer(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		name := map[bool]string{false: "resets", true: "resets, etcd restarted and compacted"}[restart]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testPausedServer(t, restart)
		})
	}
}

func testPausedServer(t *testing.T, restart bool) {
	const (
		users = 10
		pause = 600 * time.Millisecond
	)
	etcd := newEtcd(t)
	prefix := newPrefix()
	// The servers reach etcd through a proxy, which closes their
	// connections as etcd stops: etcd would wait seconds for their
	// watches to end, and the pause would outlast the poll interval.
	link := newProxy(t, etcd.endpoint())
	paused, pc := start(t, link.addr(), prefix)
	_, oc := start(t, link.addr(), prefix)

	// Each user has a token, cached by the server to pause, and a
	// connection to it that stays open.
	var (
		name  [users]string
		old   [users]string
		fresh [users]string
		conns [users]*http.Client
	)
	for i := range users {
		name[i] = fmt.Sprintf("user%d", i)
		old[i] = oc.Register(name[i], name[i]+"@example.org")
		conns[i] = &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
		t.Cleanup(conns[i].CloseIdleConnections)
		waitFor(t, name[i]+" verified by the server to pause", func() bool {
			code, err := hello(context.Background(), conns[i], pc.Base(), name[i], old[i])
			return err == nil && code == http.StatusOK
		})
	}

	paused.Signal(t, syscall.SIGSTOP)
	stopped := time.Now()
	for i := range users {
		fresh[i] = oc.Reset(name[i], name[i]+"@example.org")
	}
	if restart {
		link.cut()
		etcd.restart(t)
		etcd.compact(t)
	}

	// The old tokens' requests, written to the open connections while
	// the server is stopped.
	type answer struct {
		code int
		err  error
	}
	var (
		written = make(chan struct{}, users)
		answers = make(chan answer, users)
	)
	for i := range users {
		go func() {
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { written <- struct{}{} },
			})
			ctx, cancel := context.WithTimeout(ctx, 2*exampletest.Timeout)
			defer cancel()
			code, err := hello(ctx, conns[i], pc.Base(), name[i], old[i])
			answers <- answer{code, err}
		}()
	}
	for range users {
		select {
		case <-written:
		case <-time.After(exampletest.Timeout):
			t.Fatal("the old tokens' requests were not written")
		}
	}
	if rest := pause - time.Since(stopped); rest > 0 {
		time.Sleep(rest) // the pause lasts at least this long
	}
	paused.Signal(t, syscall.SIGCONT)

	codes := map[int]int{}
	for range users {
		a := <-answers // each bounded by its context
		require.NoError(t, a.err, "a request queued during the pause")
		codes[a.code]++
	}
	t.Logf("paused %v; the old tokens' requests queued during the pause got %v", time.Since(stopped).Round(time.Millisecond), codes)
	assert.Zero(t, codes[http.StatusOK], "old tokens accepted after the pause")
	for i := range users {
		pc.WaitHello(name[i], fresh[i], http.StatusOK)
		code, _ := pc.Hello(name[i], old[i])
		assert.Equal(t, http.StatusUnauthorized, code, "old token of %s", name[i])
	}
}

// testEtcd is an etcd member of a test's own, which the test can stop
// and start again on the same data and addresses.
type testEtcd struct {
	cfg embedetcd.Config
	srv *embedetcd.Server
}

// newEtcd starts a member for the test, stopped at its end, after the
// servers the test starts later.
func newEtcd(t *testing.T) *testEtcd {
	t.Helper()
	e := &testEtcd{cfg: embedetcd.Config{Dir: t.TempDir(), ClientAddr: freeAddr(t), PeerAddr: freeAddr(t)}}
	var err error
	e.srv, err = embedetcd.Start(e.cfg)
	require.NoError(t, err)
	t.Cleanup(func() { e.srv.Close() })
	return e
}

func (e *testEtcd) endpoint() string { return e.srv.Endpoint() }

// restart stops the member and starts it again.
func (e *testEtcd) restart(t *testing.T) {
	t.Helper()
	e.srv.Close()
	var err error
	e.srv, err = embedetcd.Start(e.cfg)
	require.NoError(t, err)
}

// compact compacts the member's history up to its current revision.
func (e *testEtcd) compact(t *testing.T) {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{e.endpoint()}, DialTimeout: exampletest.Timeout, Logger: zap.NewNop()})
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()
	resp, err := c.Get(ctx, "compact")
	require.NoError(t, err)
	_, err = c.Compact(ctx, resp.Header.Revision, clientv3.WithCompactPhysical())
	require.NoError(t, err)
}

// waitFor polls cond until it holds, failing the test after
// exampletest.Timeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(exampletest.Timeout)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(10 * time.Millisecond)
	}
}

// proxy forwards TCP connections from a loopback port to an address, and
// can close every connection it holds.
type proxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// newProxy starts a proxy to addr, closed at the end of the test, after
// the servers the test starts later.
func newProxy(t *testing.T, addr string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, to: addr, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.to)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(c, s) })
		p.wg.Go(func() { p.pipe(s, c) })
	}
}

// pipe copies from src to dst until either closes, then closes both.
func (p *proxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut closes every connection; new ones are forwarded.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}
