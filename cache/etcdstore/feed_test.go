package etcdstore_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// TestFeedKeys: a change of a user's key is reported for that user, a
// change of a key under the prefix that names no user for everything,
// and a change outside the prefix not at all.
func TestFeedKeys(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	client := newClient(t, shared.endpoint())
	s, err := etcdstore.New(client, prefix)
	require.NoError(t, err)
	f := &spy{}
	stop := s.Watch(f, 200*time.Millisecond)
	defer stop()
	f.waitReporting(t, true)

	tests := []struct {
		name, key string
		user      string // "" for everything
		delete    bool
	}{
		{"put", prefix + "alice", "alice", false},
		{"delete", prefix + "alice", "alice", true},
		{"non-ASCII name", prefix + "名前", "名前", false},
		{"the prefix itself", prefix, "", false},
		{"a key below", prefix + "sub/alice", "", false},
		{"a dot name", prefix + ".hidden", "", false},
		{"a control character", prefix + "tab\t", "", false},
	}
	for _, tt := range tests {
		mark := f.mark()
		// A key outside the prefix first, that nothing must report.
		_, err := client.Put(bg(), prefix[:len(prefix)-1]+"-other/alice", "x")
		require.NoError(t, err)
		if tt.delete {
			_, err = client.Delete(bg(), tt.key)
		} else {
			_, err = client.Put(bg(), tt.key, "x")
		}
		require.NoError(t, err, tt.name)
		// A Reporting call (the watch started again on a busy machine)
		// is not the report waited for.
		waitFor(t, tt.name+" reported", func() bool {
			return slices.ContainsFunc(f.since(mark), func(c feedCall) bool { return c.kind != "reporting" })
		})
		want := feedCall{kind: "all"}
		if tt.user != "" {
			want = feedCall{kind: "changed", user: tt.user}
		}
		// Only that report, maybe twice if the watch was started again
		// meanwhile, and maybe among Reporting calls of a busy machine.
		var got []feedCall
		for _, c := range f.since(mark) {
			c.at = time.Time{}
			if c.kind != "reporting" && !slices.Contains(got, c) {
				got = append(got, c)
			}
		}
		assert.Equal(t, []feedCall{want}, got, tt.name)
	}
}

// TestFeedResumes: after a connection is cut and comes back, the watch
// resumes from the last revision it saw: the changes made meanwhile are
// reported one by one, before the feed reports again, and nothing is
// dropped wholesale.
func TestFeedResumes(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	s := newStore(t, p.addr(), prefix)
	other := newStore(t, shared.endpoint(), prefix)
	for _, user := range []string{"alice", "bob", "carol"} {
		require.NoError(t, other.Create(bg(), user, []byte(user+"1")))
	}
	f := &spy{}
	stop := s.Watch(f, 200*time.Millisecond)
	defer stop()
	f.waitReporting(t, true)

	cut := f.mark()
	p.Cut()
	f.waitReporting(t, false)
	require.NoError(t, other.Put(bg(), "alice", []byte("alice2")))
	require.NoError(t, other.Remove(bg(), "bob"))
	p.Restore()
	f.waitReporting(t, true)

	calls := f.since(cut)
	back := slices.IndexFunc(calls, func(c feedCall) bool { return c.kind == "reporting" && c.on })
	var changed []string
	for _, c := range calls[:back] {
		require.NotEqual(t, "all", c.kind, "everything dropped, though nothing was lost")
		if c.kind == "changed" {
			changed = append(changed, c.user)
		}
	}
	assert.Subset(t, changed, []string{"alice", "bob"}, "changes made while cut off")
	// The watch resumes from the last revision seen, whose change (carol's
	// creation, unless other tests wrote since) may come again.
	assert.Subset(t, []string{"alice", "bob", "carol"}, changed, "changes reported")
}

// TestFeedBusy: while keys outside the prefix change all the time, so
// that etcd's revision moves on with nothing to report, a watch cut off
// while many keys under the prefix change catches up on all of them and
// reports again. Only progress notifications can tell it that it has
// caught up with the revisions that are not its own.
func TestFeedBusy(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	s := newStore(t, p.addr(), prefix)
	other := newStore(t, shared.endpoint(), prefix)
	busy := newClient(t, shared.endpoint())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		pace := time.NewTicker(2 * time.Millisecond)
		defer pace.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-pace.C:
			}
			busy.Put(bg(), prefix[:len(prefix)-1]+"-busy/k", itoa(int64(i)))
		}
	})
	defer wg.Wait()
	defer close(done)

	f := &spy{}
	stop := s.Watch(f, 200*time.Millisecond)
	defer stop()
	f.waitReporting(t, true)
	cut := f.mark()
	p.Cut()
	f.waitReporting(t, false)
	const n = 200
	for i := range n {
		require.NoError(t, other.Put(bg(), "u"+itoa(int64(i)), []byte("x")))
	}
	p.Restore()
	f.waitReporting(t, true)
	calls := f.since(cut)
	back := slices.IndexFunc(calls, func(c feedCall) bool { return c.kind == "reporting" && c.on })
	seen := map[string]bool{}
	for _, c := range calls[:back] {
		if c.kind == "changed" {
			seen[c.user] = true
		}
	}
	assert.Equal(t, n, len(seen), "users reported before the feed reported again")

	mark := f.mark()
	require.NoError(t, other.Put(bg(), "alice", []byte("x")))
	f.waitChanged(t, mark, "alice")
}

// TestSilentCut: a server whose connection to etcd goes silent (no
// error, no byte) stops accepting a token revoked on another server
// within twice the poll interval, the goal of the design, and accepts
// the new one once the connection is back.
func TestSilentCut(t *testing.T) {
	t.Parallel()
	const poll = time.Second // the default
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	cutOff, feed := openCache(t, newStore(t, p.addr(), prefix), cache.WithPollInterval(poll))
	other, _ := openCache(t, newStore(t, shared.endpoint(), prefix), cache.WithPollInterval(poll))
	feed.waitReporting(t, true)
	mark := feed.mark()
	old, err := other.Register("alice", "a@b.org")
	require.NoError(t, err)
	feed.waitChanged(t, mark, "alice") // else it could drop the entry cached next
	ok, err := cutOff.Verify("alice", old)
	require.NoError(t, err)
	require.True(t, ok)

	stalled := time.Now()
	p.Stall()
	token, err := other.Reset("alice", "a@b.org")
	require.NoError(t, err)
	revoked := time.Now()
	var refused time.Time
	waitFor(t, "the cut-off server to stop accepting the revoked token", func() bool {
		start := time.Now()
		ok, _ := verifies(cutOff, "alice", old, 20*time.Millisecond)
		if !ok {
			refused = start
		}
		return !ok
	})
	lost := slices.IndexFunc(feed.since(0), func(c feedCall) bool { return c.kind == "reporting" && !c.on })
	require.GreaterOrEqual(t, lost, 0, "the feed never stopped reporting")
	t.Logf("feed lost %v after the stall; revoked token refused %v after the revocation (poll %v)",
		feed.since(lost)[0].at.Sub(stalled).Round(time.Millisecond), refused.Sub(revoked).Round(time.Millisecond), poll)
	assert.Less(t, refused.Sub(revoked), 2*poll, "revoked token accepted too long")

	for range 3 {
		ok, err := verifies(cutOff, "alice", old, 20*time.Millisecond)
		assert.False(t, ok, "revoked token accepted while cut off")
		assert.Error(t, err, "a cut-off server cannot tell, and says so")
	}

	p.Resume()
	feed.waitReporting(t, true)
	ok, err = cutOff.Verify("alice", old)
	assert.NoError(t, err)
	assert.False(t, ok)
	ok, err = cutOff.Verify("alice", token)
	assert.NoError(t, err)
	assert.True(t, ok)
}

// TestStopLeavesNothing: once stop returns, no goroutine of the watch
// runs and the feed gets no call, whether the watch was reporting,
// waiting behind a stalled connection for its heartbeat read, or waiting
// for etcd to create it; the gRPC streams of the watch end, and the
// client, which the caller owns, stays open. Not parallel: it counts
// goroutines.
func TestStopLeavesNothing(t *testing.T) {
	const (
		ours    = "etcdstore.(*watch)"
		streams = "client/v3.(*watchGRPCStream)"
	)
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	client := newClient(t, p.addr())
	s, err := etcdstore.New(client, prefix)
	require.NoError(t, err)
	other := newStore(t, shared.endpoint(), prefix)
	_, err = client.Get(bg(), prefix) // connected
	require.NoError(t, err)
	baseline := len(goroutines(streams))

	tests := []struct {
		name  string
		watch func(t *testing.T, f *spy) (stop func())
	}{
		{"reporting", func(t *testing.T, f *spy) func() {
			stop := s.Watch(f, 100*time.Millisecond)
			f.waitReporting(t, true)
			return stop
		}},
		{"stalled while reporting", func(t *testing.T, f *spy) func() {
			stop := s.Watch(f, 100*time.Millisecond)
			f.waitReporting(t, true)
			p.Stall()
			f.waitReporting(t, false)
			return stop
		}},
		{"stalled before etcd created the watch", func(t *testing.T, f *spy) func() {
			p.Stall()
			stop := s.Watch(f, 100*time.Millisecond)
			waitFor(t, "a watch waiting for etcd", func() bool { return len(goroutines("client/v3.(*watcher).Watch")) > 0 })
			return stop
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &spy{}
			stop := tt.watch(t, f)
			stop()
			assert.Empty(t, goroutines(ours), "goroutines of the watch after stop")
			after := f.mark()
			p.Resume()
			require.NoError(t, other.Put(bg(), "alice", []byte{byte(i)}))
			waitFor(t, "the watch's streams to end", func() bool { return len(goroutines(streams)) <= baseline })
			assert.Equal(t, after, f.mark(), "feed calls after stop")
			_, err := client.Get(bg(), prefix+"alice")
			assert.NoError(t, err, "the client after stop")
			stop() // a second stop is harmless
		})
	}
}

// TestClientClosed: closing the client under a running watch stops the
// feed's reporting; stop still returns.
func TestClientClosed(t *testing.T) {
	t.Parallel()
	client := newClient(t, shared.endpoint())
	s, err := etcdstore.New(client, newPrefix(t))
	require.NoError(t, err)
	f := &spy{}
	stop := s.Watch(f, 100*time.Millisecond)
	f.waitReporting(t, true)
	require.NoError(t, client.Close())
	f.waitReporting(t, false)
	stop()
}
