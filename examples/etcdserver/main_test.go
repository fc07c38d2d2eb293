package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
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

// start runs a server on a free port, on endpoint and prefix.
func start(t *testing.T, endpoint, prefix string) (*exampletest.Proc, *exampletest.Client) {
	t.Helper()
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "etcdserver"), nil,
		"-addr", "127.0.0.1:0", "-etcd", endpoint, "-etcd-prefix", prefix)
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

	// Registered through one, served by both.
	token := c1.Register("alice", "alice@example.org")
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

// While etcd cannot be reached the server starts and serves its public
// routes, fails closed on the protected one, and recovers by itself once
// etcd is there.
func TestEtcdServerWithoutEtcd(t *testing.T) {
	t.Parallel()
	endpoint := freeAddr(t)
	p, c := start(t, endpoint, newPrefix())
	p.WaitLog(t, regexp.MustCompile(`level=WARN msg="etcd does not answer yet`))
	code, _, _ := c.Get("/healthz", nil)
	assert.Equal(t, http.StatusOK, code)
	code, _ = c.Hello("alice", "00ff")
	assert.Equal(t, http.StatusInternalServerError, code, "a record that cannot be read")
	code, _, _ = c.Get("/readyz", nil)
	assert.Equal(t, http.StatusServiceUnavailable, code)

	etcd, err := embedetcd.Start(embedetcd.Config{Dir: t.TempDir(), ClientAddr: endpoint})
	require.NoError(t, err)
	defer etcd.Close() // after the server stops
	// gRPC waits up to seconds between attempts to connect.
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, answer := c.Post("/creds/register", map[string]string{"user": "alice", "email": "alice@example.org"})
		if code == http.StatusOK && answer["status"] == true {
			break
		}
		require.True(t, time.Now().Before(deadline), "no registration since etcd started: %d %v", code, answer)
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
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

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
