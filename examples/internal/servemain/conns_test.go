package servemain

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadline bounds every wait in these tests.
const deadline = 10 * time.Second

// testServer serves h with o on a free port of the loopback interface
// until the test ends, and returns its address and listener.
func testServer(t *testing.T, o connOptions, h http.Handler) (string, *connLimiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv, limited := o.server(h, ln, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(limited)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String(), limited
}

// shortOptions are connOptions with timeouts short enough for tests.
func shortOptions() connOptions {
	return connOptions{
		readHeaderTimeout: 300 * time.Millisecond,
		readTimeout:       500 * time.Millisecond,
		writeTimeout:      time.Second,
		idleTimeout:       300 * time.Millisecond,
		maxConns:          100,
		shutdownTimeout:   time.Second,
	}
}

// echoBody answers 200 with the length of the request's body, once it is
// read whole, and 400 if it could not be.
var echoBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body not read", http.StatusBadRequest)
		return
	}
	_, _ = io.WriteString(w, strings.Repeat("x", len(body)))
})

// dial opens a connection to addr and sends raw, as a client would.
func dial(t *testing.T, addr, raw string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	if raw != "" {
		_, err = io.WriteString(c, raw)
		require.NoError(t, err)
	}
	return c
}

// closedByServer reads c until the server closes it, and reports whether
// that happened before the deadline. Answers on the way are read and
// dropped.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(deadline))
	_, err := io.Copy(io.Discard, c)
	var nerr net.Error
	return err == nil || !(errors.As(err, &nerr) && nerr.Timeout())
}

// answers sends GET /healthz on a new connection and reports whether the
// server answered 200 within the deadline.
func answers(addr string) bool {
	hc := &http.Client{Timeout: deadline, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestStalledConnectionsClosed shows that an idle keep-alive connection, a
// request body sent a byte at a time and headers never finished are all
// cut off by the timeouts, while other clients are served.
func TestStalledConnectionsClosed(t *testing.T) {
	addr, _ := testServer(t, shortOptions(), echoBody)

	idle := dial(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	silent := dial(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // headers never end
	trickle := dial(t, addr, "POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	stopTrickle := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopTrickle:
				return
			case <-tick.C:
				if _, err := trickle.Write([]byte("{")); err != nil {
					return
				}
			}
		}
	})
	defer wg.Wait()
	defer close(stopTrickle)

	served := make(chan bool, 1)
	go func() {
		ok := true
		for range 20 {
			ok = ok && answers(addr)
		}
		served <- ok
	}()
	for name, c := range map[string]net.Conn{"idle keep-alive": idle, "unfinished headers": silent, "trickling body": trickle} {
		assert.True(t, closedByServer(c), name)
	}
	assert.True(t, <-served, "others served meanwhile")
}

// TestCapShedsIdleFirst shows that at the cap a new client gets in by
// the close of the connection idle the longest, and that connections
// busy with a request are never closed to make room: the new one waits.
func TestCapShedsIdleFirst(t *testing.T) {
	o := shortOptions()
	o.idleTimeout, o.readTimeout, o.writeTimeout = time.Hour, time.Hour, time.Hour
	o.maxConns = 3
	release := make(chan struct{})
	h := http.NewServeMux()
	h.HandleFunc("/healthz", func(http.ResponseWriter, *http.Request) {})
	h.HandleFunc("/slow", func(http.ResponseWriter, *http.Request) { <-release })
	addr, limited := testServer(t, o, h)

	// Three keep-alive connections, idle once answered, oldest first: the
	// server marks a connection idle after the client has its answer, so
	// each is idle on the server's side before the next is made.
	var idle []net.Conn
	for i := range 3 {
		c := dial(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		resp.Body.Close()
		idle = append(idle, c)
		waitFor(t, "the connection idle on the server's side", func() bool { return limited.count(http.StateIdle) == i+1 })
	}
	require.True(t, answers(addr), "a fourth client is served")
	assert.True(t, closedByServer(idle[0]), "the oldest idle connection made room")
	assert.Equal(t, int64(1), limited.shed.Load())

	// Three requests in progress fill the cap: a fourth waits for one.
	for range 3 {
		dial(t, addr, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	waitFor(t, "three requests in progress", func() bool { return limited.active() == 3 })
	shed := limited.shed.Load() // the idle ones, to make room for these
	got := make(chan bool, 1)
	go func() { got <- answers(addr) }()
	waitFor(t, "the fourth connection held for room", limited.waiting.Load)
	select {
	case <-got:
		t.Fatal("served while every connection was busy")
	default:
	}
	assert.Equal(t, shed, limited.shed.Load(), "no busy connection closed")
	close(release)
	assert.True(t, <-got, "served once a request finished")
}

// TestCapShedsUnfinishedHeaders shows that connections that never finish
// a request (slow loris) do not hold the cap either, once they are
// newGrace old.
func TestCapShedsUnfinishedHeaders(t *testing.T) {
	o := shortOptions()
	o.readHeaderTimeout = time.Hour
	o.maxConns = 2
	addr, limited := testServer(t, o, echoBody)
	for range 2 {
		dial(t, addr, "GET /healthz HTTP/1.1\r\n")
	}
	waitFor(t, "two connections", func() bool { limited.mu.Lock(); defer limited.mu.Unlock(); return len(limited.conns) == 2 })
	assert.True(t, answers(addr))
	assert.Equal(t, int64(1), limited.shed.Load())
}

// TestShutdownCutsOff shows a shutdown that waited its time for a request
// in flight: it closes the connection, says so, and is no failure.
func TestShutdownCutsOff(t *testing.T) {
	o := shortOptions()
	o.readTimeout, o.shutdownTimeout = time.Hour, 100*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv, limited := o.server(echoBody, ln, nil)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(limited) }()
	c := dial(t, ln.Addr().String(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
	waitFor(t, "the request in progress", func() bool { return limited.active() == 1 })

	var logBuf bytes.Buffer
	require.NoError(t, o.shutdown(srv, limited, slog.New(slog.NewTextHandler(&logBuf, nil))))
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
	assert.Contains(t, logBuf.String(), `level=WARN msg="shutdown cut off requests in flight" requests=1 waited=100ms`)
	assert.True(t, closedByServer(c))
}

// TestConnDefaults shows that the defaults close an idle or stalled
// connection within two minutes, and cap connections below the limit
// on open files.
func TestConnDefaults(t *testing.T) {
	var o connOptions
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.flags(fs)
	require.NoError(t, fs.Parse(nil))
	require.NoError(t, o.check())
	for name, d := range map[string]time.Duration{
		"read-header": o.readHeaderTimeout, "read": o.readTimeout, "write": o.writeTimeout, "idle": o.idleTimeout,
	} {
		assert.LessOrEqual(t, d, 2*time.Minute, name)
	}
	assert.Equal(t, defaultMaxConns(), o.maxConns)
	assert.LessOrEqual(t, o.maxConns, maxConnsCeiling)
	if n, ok := openFileLimit(); ok {
		assert.Less(t, uint64(2*o.maxConns), n, "a descriptor for each connection and one more for its files")
	}
	for _, bad := range [][]string{{"-idle-timeout", "0s"}, {"-max-conns", "0"}, {"-read-timeout", "-1s"}} {
		var o connOptions
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		o.flags(fs)
		require.NoError(t, fs.Parse(bad))
		assert.Error(t, o.check(), "%q", bad)
	}
}

// waitFor polls cond until it holds, failing the test after the deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// count returns how many connections are in state.
func (l *connLimiter) count(state http.ConnState) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, info := range l.conns {
		if info.state == state {
			n++
		}
	}
	return n
}
