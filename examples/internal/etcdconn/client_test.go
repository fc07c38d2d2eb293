package etcdconn_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
	"github.com/fixiecreds/fixiecreds/examples/internal/embedetcd"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
)

// TestRecoversAfterLongOutage: after etcd has been out of reach for ten
// seconds, long enough for gRPC's default backoff to wait seconds
// between attempts, a cache on a client of NewClient verifies again
// within two seconds of etcd answering.
func TestRecoversAfterLongOutage(t *testing.T) {
	t.Parallel()
	const (
		outage = 10 * time.Second
		within = 2 * time.Second
	)
	quiet := slog.New(slog.DiscardHandler)
	cfg := embedetcd.Config{Dir: t.TempDir(), ClientAddr: freeAddr(t), PeerAddr: freeAddr(t)}
	etcd, err := embedetcd.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { etcd.Close() })
	client, err := etcdconn.NewClient([]string{etcd.Endpoint()}, quiet)
	require.NoError(t, err)
	defer client.Close()
	store, err := etcdstore.New(client, "/recovery/")
	require.NoError(t, err)
	c, err := cache.Open(store, cache.WithLogger(quiet))
	require.NoError(t, err)
	defer c.Close()
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)

	etcd.Close()
	stopped := time.Now()
	waitFor(t, outage+10*time.Second, "verification to fail", func() bool {
		_, err := verify(c, token)
		return err != nil
	})
	waitFor(t, outage+10*time.Second, "the outage to last", func() bool { return time.Since(stopped) >= outage })
	etcd, err = embedetcd.Start(cfg)
	require.NoError(t, err)
	back := time.Now()
	waitFor(t, 10*time.Second, "verification to work again", func() bool {
		ok, err := verify(c, token)
		return ok && err == nil
	})
	took := time.Since(back)
	t.Logf("verification works again %v after etcd answers, after an outage of %v", took.Round(time.Millisecond), back.Sub(stopped).Round(time.Millisecond))
	assert.Less(t, took, within)
}

// verify verifies alice's token on c, waiting at most 50 ms for etcd.
func verify(c *cache.Cache, token string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	return c.VerifyContext(ctx, "alice", token)
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(10 * time.Millisecond)
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

// TestClientLogs: etcd's client, through NewClient, logs no warning for
// a call its caller cancelled (an HTTP client that went away), warns of
// one that timed out, and never names its first endpoint as the member
// a call went to.
func TestClientLogs(t *testing.T) {
	t.Parallel()
	var out syncBuilder
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	first := freeAddr(t) // nothing listens
	client, err := etcdconn.NewClient([]string{first}, log)
	require.NoError(t, err)
	defer client.Close()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = client.Get(ctx, "k")
	require.ErrorIs(t, err, context.Canceled)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = client.Get(ctx, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded)

	lines := out.String()
	assert.Contains(t, lines, `level=WARN msg="retrying of unary invoker failed"`)
	assert.Contains(t, lines, "code = DeadlineExceeded")
	assert.NotContains(t, lines, "code = Canceled", "a call its caller cancelled, at WARN")
	assert.NotContains(t, lines, "target=", "the client's first endpoint, as the target of every call")
}

// syncBuilder is a strings.Builder safe for concurrent use.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
