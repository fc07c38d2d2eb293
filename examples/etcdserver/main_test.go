package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/embedetcd"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// etcdEndpoint is the etcd that the tests share, each on a prefix of its
// own.
var etcdEndpoint string

func TestMain(m *testing.M) { os.Exit(mainOnEtcd(m)) }

// mainOnEtcd starts etcd, builds the server and runs the tests. The
// servers the tests start are stopped at the end of each test, before
// etcd stops.
func mainOnEtcd(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etcdserver-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	etcd, err := embedetcd.Start(embedetcd.Config{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer etcd.Close()
	etcdEndpoint = etcd.Endpoint()
	return exampletest.Main(m, "etcdserver")
}

var prefixes atomic.Int64

// newPrefix returns a key prefix that no other test uses.
func newPrefix() string { return fmt.Sprintf("/etcdserver-test/%d/", prefixes.Add(1)) }

// start runs a server on a free port, on endpoint and prefix, with
// flags added.
func start(t *testing.T, endpoint, prefix string, flags ...string) (*exampletest.Proc, *exampletest.Client) {
	t.Helper()
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "etcdserver"), nil,
		append([]string{"-addr", "127.0.0.1:0", "-etcd", endpoint, "-etcd-prefix", prefix}, flags...)...)
	return p, exampletest.NewClient(t, base)
}

func TestEtcdServersShareUsers(t *testing.T) {
	t.Parallel()
	prefix := newPrefix()
	one, c1 := start(t, etcdEndpoint, prefix)
	two, c2 := start(t, etcdEndpoint, prefix)
	one.WaitLog(t, regexp.MustCompile(`msg=listening addr=\S+ etcd=`+regexp.QuoteMeta(etcdEndpoint)+` prefix=`+regexp.QuoteMeta(prefix)))

	code, _, body := c2.Get("/healthz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
	code, _, body = c2.Get("/readyz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready\n", body)

	// Registered through one, served by both: two learns of alice
	// through etcd's watch, in milliseconds.
	token := c1.Register("alice", "alice@example.org")
	c2.WaitHello("alice", token, http.StatusOK)
	code, body = c2.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, alice!\n", body)
	code, _ = c1.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	code, answer := c1.Post("/creds/register", map[string]string{"user": "alice", "email": "alice@example.org"})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "User 'alice' already registered", answer["message"])

	// Reset through two: one, which has the old token cached, refuses
	// it as soon as etcd's watch tells it.
	newToken := c2.Reset("alice", "alice@example.org")
	c1.WaitHello("alice", token, http.StatusUnauthorized)
	code, _ = c2.Hello("alice", token)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = c1.Hello("alice", newToken)
	assert.Equal(t, http.StatusOK, code)

	// Deregistered through one: two refuses.
	code, answer = c1.Post("/creds/deregister", map[string]string{"user": "alice", "token": newToken})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]any{"message": "alice deregistered", "status": true}, answer)
	c2.WaitHello("alice", newToken, http.StatusUnauthorized)

	for _, p := range []*exampletest.Proc{one, two} {
		require.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
		assert.Regexp(t, `msg="shutting down"(.|\n)*msg=stopped`, p.Output())
		assert.NotContains(t, p.Output(), token)
		assert.NotContains(t, p.Output(), newToken)
	}
}

func TestEtcdServerForwardAuth(t *testing.T) {
	t.Parallel()
	_, c := start(t, etcdEndpoint, newPrefix())
	exampletest.CheckForwardAuth(t, c, "alice", "alice@example.org")
}

// While etcd cannot be reached the server listens at once and serves its
// public routes, fails closed on the protected one and on /readyz, at
// once once it knows etcd is out of reach, and recovers by itself
// within two seconds of etcd answering.
func TestEtcdServerWithoutEtcd(t *testing.T) {
	t.Parallel()
	endpoint := freeAddr(t)
	started := time.Now()
	p, c := start(t, endpoint, newPrefix())
	listened := time.Since(started)
	t.Logf("listening %v after start", listened.Round(time.Millisecond))
	assert.Less(t, listened, 2*time.Second, "time to listen with etcd out of reach")
	code, _, _ := c.Get("/healthz", nil)
	assert.Equal(t, http.StatusOK, code)
	p.WaitLog(t, regexp.MustCompile(`level=WARN msg="etcdstore: etcd out of reach`))
	for range 3 {
		asked := time.Now()
		code, _ = c.Hello("alice", "00ff")
		assert.Equal(t, http.StatusInternalServerError, code, "a record that cannot be read")
		code, _, _ = c.Get("/readyz", nil)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Less(t, time.Since(asked), time.Second, "answers with etcd known out of reach")
	}

	etcd, err := embedetcd.Start(embedetcd.Config{Dir: t.TempDir(), ClientAddr: endpoint})
	require.NoError(t, err)
	defer etcd.Close() // after the server stops
	back := time.Now()
	// An unknown user gets 401 once etcd answers (a registration would
	// count against the register limit each time it fails).
	for {
		code, _ := c.Hello("nobody", "00ff")
		if code == http.StatusUnauthorized {
			break
		}
		require.Less(t, time.Since(back), exampletest.Timeout, "no answer from etcd since it started: %d", code)
		time.Sleep(10 * time.Millisecond)
	}
	recovered := time.Since(back)
	t.Logf("protected routes answer %v after etcd does", recovered.Round(time.Millisecond))
	assert.Less(t, recovered, 2*time.Second, "time to recover once etcd answers")
	token := c.Register("alice", "alice@example.org")
	code, _ = c.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	code, _, _ = c.Get("/readyz", nil)
	assert.Equal(t, http.StatusOK, code)
	require.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
}

// While etcd is known out of reach, requests for users not in memory
// get a 500 at once, so that a flood of them, more than the server keeps
// connections, holds none for long and /healthz stays quick.
func TestEtcdServerHealthzUnderLoad(t *testing.T) {
	t.Parallel()
	const (
		maxConns = 16
		clients  = 2 * maxConns
		span     = 2 * time.Second
	)
	p, c := start(t, freeAddr(t), newPrefix(), "-max-conns", strconv.Itoa(maxConns))
	p.WaitLog(t, regexp.MustCompile(`level=WARN msg="etcdstore: etcd out of reach`))

	var (
		wg    sync.WaitGroup
		done  = make(chan struct{})
		codes sync.Map // status code → *atomic.Int64
	)
	for i := range clients {
		wg.Go(func() {
			hc := &http.Client{Timeout: exampletest.Timeout}
			defer hc.CloseIdleConnections()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				code, err := hello(context.Background(), hc, c.Base(), fmt.Sprintf("u%d-%d", i, n), "00ff")
				if err != nil {
					code = 0
				}
				v, _ := codes.LoadOrStore(code, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
			}
		})
	}
	var slowest time.Duration
	for end := time.Now().Add(span); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		asked := time.Now()
		code, _, _ := c.Get("/healthz", nil)
		slowest = max(slowest, time.Since(asked))
		assert.Equal(t, http.StatusOK, code)
	}
	close(done)
	wg.Wait()
	answers := map[int]int64{}
	codes.Range(func(k, v any) bool { answers[k.(int)] = v.(*atomic.Int64).Load(); return true })
	t.Logf("%d clients on %d connections for %v: /hello answered %v; slowest /healthz %v",
		clients, maxConns, span, answers, slowest.Round(time.Millisecond))
	assert.Less(t, slowest, time.Second, "slowest /healthz")
	assert.Equal(t, []int{http.StatusInternalServerError}, slices.Collect(maps.Keys(answers)), "answers to /hello")
}

func TestEtcdServerStartFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "-etcd-prefix"},
		{"help names the port", []string{"-h"}, 0, `-addr host:port
    	listen on host:port; port 0 picks a free port (default "127.0.0.1:8082")`},
		{"unknown flag", []string{"-dir", "x"}, 2, "flag provided but not defined: -dir"},
		{"extra argument", []string{"-etcd", etcdEndpoint, "extra"}, 2, `unexpected argument "extra"`},
		{"no endpoint", []string{"-etcd", " , "}, 1, "-etcd names no endpoint"},
		{"prefix without slash", []string{"-etcd", etcdEndpoint, "-etcd-prefix", "/fixiecreds"}, 1, `prefix \"/fixiecreds\" does not end with '/'`},
		{"bad address", []string{"-etcd", etcdEndpoint, "-etcd-prefix", newPrefix(), "-addr", "127.0.0.1:http-nope"}, 1, "msg=\"server failed\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := exampletest.Run(t, exampletest.Bin(t, "etcdserver"), nil, "", tt.args...)
			assert.Equal(t, tt.code, r.Code)
			assert.Contains(t, r.Stderr, tt.want)
		})
	}
}

// hello calls /hello on base as user with token, through hc, and returns
// the status code.
func hello(ctx context.Context, hc *http.Client, base, user, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/hello", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Fixie-User", user)
	req.Header.Set("X-Fixie-Token", token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// The help speaks of the store, never of a credentials directory, which
// this server has none of.
func TestEtcdServerHelp(t *testing.T) {
	t.Parallel()
	r := exampletest.Run(t, exampletest.Bin(t, "etcdserver"), nil, "", "-h")
	require.Equal(t, 0, r.Code)
	assert.Contains(t, r.Stderr, "-max-users")
	assert.NotContains(t, strings.ToLower(r.Stderr), "director")
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
