package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// TestEtcdRestart: etcd stops while one server, already cut off, still
// holds a token that another revoked. No server accepts the revoked token
// past twice the poll interval; verifications that could rest on stale
// entries fail (the middleware answers 500) instead of answering; and
// service resumes by itself once etcd is back on the same data. Each
// server reaches etcd through a proxy, which cuts its connections when
// etcd stops: an embedded etcd waits seconds for open watches otherwise.
func TestEtcdRestart(t *testing.T) {
	t.Parallel()
	const poll = 500 * time.Millisecond
	srv := newEtcd(t)
	prefix := newPrefix(t)
	pa, pb := newProxy(t, srv.endpoint()), newProxy(t, srv.endpoint())
	a, fa := openCache(t, newStore(t, pa.addr(), prefix), cache.WithPollInterval(poll))
	b, fb := openCache(t, newStore(t, pb.addr(), prefix), cache.WithPollInterval(poll))
	fa.waitReporting(t, true)
	fb.waitReporting(t, true)
	old, err := b.Register("alice", "a@b.org")
	require.NoError(t, err)
	waitVerify(t, a, "alice", old, true, nil, "before the outage")

	pa.Stall()
	token, err := b.Reset("alice", "a@b.org")
	require.NoError(t, err)
	revoked := time.Now()
	assertVerify(t, b, "alice", token, true, nil, "before the outage")

	pa.Cut()
	pb.Cut()
	srv.stop()
	stopped := time.Now()
	waitFor(t, "the cut-off server to fail", func() bool {
		ok, err := verifies(a, "alice", old, 20*time.Millisecond)
		require.False(t, ok && time.Since(revoked) > 2*poll, "revoked token accepted past twice the poll interval")
		return err != nil
	})
	waitFor(t, "the other server to fail", func() bool {
		_, err := verifies(b, "alice", token, 20*time.Millisecond)
		return err != nil
	})
	t.Logf("with etcd down, verification fails %v after it stopped (poll %v)", time.Since(stopped).Round(time.Millisecond), poll)
	for _, c := range []*cache.Cache{a, b} {
		ok, err := verifies(c, "alice", token, 20*time.Millisecond)
		assert.False(t, ok)
		assert.Error(t, err)
		ctx, cancel := context.WithTimeout(bg(), 20*time.Millisecond)
		_, err = c.RegisterContext(ctx, "bob", "b@b.org")
		cancel()
		assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, etcdstore.ErrUnreachable),
			"registration with etcd down: %v", err)
	}

	require.NoError(t, srv.start())
	pa.Restore()
	pb.Restore()
	pa.Resume()
	restarted := time.Now()
	waitVerify(t, a, "alice", token, true, nil, "the cut-off server to serve again")
	t.Logf("verification works again %v after etcd is back", time.Since(restarted).Round(time.Millisecond))
	fa.waitReporting(t, true)
	fb.waitReporting(t, true)
	// While the connections come back, a call may still find etcd out of
	// reach and fail (closed); the revoked token is then refused.
	waitFor(t, "the revoked token refused, after the outage", func() bool {
		ok, err := a.Verify("alice", old)
		require.False(t, ok, "the revoked token accepted after the outage")
		return err == nil
	})

	newer, err := a.Reset("alice", "a@b.org")
	require.NoError(t, err)
	waitVerify(t, b, "alice", token, false, nil, "the other server to refuse the token reset after the outage")
	waitVerify(t, b, "alice", newer, true, nil, "the new token, after the outage")
}

// TestOutagesLeakNothing: etcd goes down and comes back, again and
// again, while a store watches, replacing its silent watch each poll
// interval of every outage; once etcd is back and the feed reports,
// the goroutines, clientv3's watch streams among them, are as many as
// before. Not parallel: it counts goroutines.
func TestOutagesLeakNothing(t *testing.T) {
	const (
		poll   = 200 * time.Millisecond
		cycles = 4
		down   = 5 * poll // long enough for several replacements
		slack  = 10       // goroutines that come and go: timers, reads
	)
	srv := newEtcd(t)
	p := newProxy(t, srv.endpoint())
	s := newStore(t, p.addr(), newPrefix(t))
	f := &spy{}
	stop := s.Watch(f, timing(poll))
	defer stop()
	f.waitReporting(t, true)
	streams := len(goroutines(watchStreams))
	baseline := runtime.NumGoroutine()

	for i := range cycles {
		p.Cut()
		srv.stop()
		f.waitReporting(t, false)
		outage := time.Now()
		waitFor(t, "the outage to last", func() bool { return time.Since(outage) >= down })
		require.NoError(t, srv.start())
		p.Restore()
		f.waitReporting(t, true)
		waitFor(t, fmt.Sprintf("goroutines to settle after outage %d (baseline %d)", i+1, baseline), func() bool {
			return runtime.NumGoroutine() <= baseline+slack && len(goroutines(watchStreams)) <= streams
		})
	}
	t.Logf("after %d outages: %d goroutines (%d before), %d of clientv3's watch streams (%d before)",
		cycles, runtime.NumGoroutine(), baseline, len(goroutines(watchStreams)), streams)
}

// watchStreams names the goroutines of clientv3's gRPC watch streams.
const watchStreams = "client/v3.(*watchGRPCStream)"

// TestUnreachableFailsFast: once the feed knows etcd is out of reach,
// a verification that needs etcd fails at once, rather than wait for
// the call's bound, and service resumes as soon as etcd answers again.
// A store that nothing watches knows nothing, and waits.
func TestUnreachableFailsFast(t *testing.T) {
	t.Parallel()
	const poll = 200 * time.Millisecond
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	s := newStore(t, p.addr(), prefix)
	c, f := openCache(t, s, cache.WithPollInterval(poll))
	unwatched, _ := openCache(t, newStore(t, p.addr(), prefix), cache.WithWatch(false))
	other, _ := openCache(t, newStore(t, shared.endpoint(), prefix))
	f.waitReporting(t, true)
	token, err := other.Register("alice", "a@b.org")
	require.NoError(t, err)

	p.Cut()
	cut := time.Now()
	f.waitReporting(t, false)
	waitFor(t, "calls to fail at once", func() bool {
		ctx, cancel := context.WithTimeout(bg(), 20*time.Millisecond)
		defer cancel()
		_, err := s.Read(ctx, "alice")
		return errors.Is(err, etcdstore.ErrUnreachable)
	})
	t.Logf("calls fail at once %v after the cut (poll %v)", time.Since(cut).Round(time.Millisecond), poll)
	for range 20 {
		start := time.Now()
		ok, err := c.Verify("alice", token)
		took := time.Since(start)
		assert.False(t, ok)
		require.ErrorIs(t, err, etcdstore.ErrUnreachable)
		assert.Less(t, took, 100*time.Millisecond, "a verification that fails at once")
	}
	// The unwatched store waits for its call's bound.
	_, err = verifies(unwatched, "alice", token, 50*time.Millisecond)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a store that nothing watches")

	p.Restore()
	back := time.Now()
	waitVerify(t, c, "alice", token, true, nil, "verification once etcd answers")
	t.Logf("verification works %v after etcd answers again", time.Since(back).Round(time.Millisecond))
	_, err = s.Read(bg(), "alice")
	assert.NoError(t, err)
}
