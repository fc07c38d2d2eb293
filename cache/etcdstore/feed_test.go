package etcdstore_test

import (
	"slices"
	"sync"
	"sync/atomic"
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
	stop := s.Watch(f, timing(200*time.Millisecond))
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
		// or a CaughtUp is not the report waited for.
		waitFor(t, tt.name+" reported", func() bool {
			return slices.ContainsFunc(f.since(mark), isChange)
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
			if isChange(c) && !slices.Contains(got, c) {
				got = append(got, c)
			}
		}
		assert.Equal(t, []feedCall{want}, got, tt.name)
	}
}

// TestFeedResumes: after a connection is cut and comes back, the watch
// resumes from the last revision it saw: the changes made meanwhile are
// reported one by one, before the feed reports again, and nothing is
// dropped wholesale but once, as the feed stops reporting.
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
	stop := s.Watch(f, timing(200*time.Millisecond))
	defer stop()
	f.waitReporting(t, true)

	p.Cut()
	f.waitReporting(t, false)
	cut := f.mark()
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
	stop := s.Watch(f, timing(200*time.Millisecond))
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
// once the trust window has passed since the connection went silent,
// its feed stops reporting within the poll interval, and it accepts the
// new token once the connection is back.
func TestSilentCut(t *testing.T) {
	t.Parallel()
	const (
		poll   = time.Second            // the default
		window = 100 * time.Millisecond // the default
	)
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

	p.Stall()
	stalled := time.Now()
	token, err := other.Reset("alice", "a@b.org")
	require.NoError(t, err)
	revoked := time.Now()
	var refused time.Time
	waitFor(t, "the cut-off server to stop accepting the revoked token", func() bool {
		start := time.Now()
		ok, _ := verifies(cutOff, "alice", old, 20*time.Millisecond)
		require.False(t, ok && start.Sub(stalled) > window, "revoked token accepted %v after the connection went silent", start.Sub(stalled))
		if !ok {
			refused = start
		}
		return !ok
	})
	feed.waitReporting(t, false)
	lost := slices.IndexFunc(feed.since(0), func(c feedCall) bool { return c.kind == "reporting" && !c.on })
	t.Logf("revoked token refused %v after the revocation; feed lost %v after the stall (window %v, poll %v)",
		refused.Sub(revoked).Round(time.Millisecond), feed.since(lost)[0].at.Sub(stalled).Round(time.Millisecond), window, poll)

	// No entry read before the loss is trusted again for the poll
	// interval.
	for end := time.Now().Add(poll); time.Now().Before(end); {
		ok, err := verifies(cutOff, "alice", old, 20*time.Millisecond)
		require.False(t, ok, "revoked token accepted while cut off")
		require.Error(t, err, "a cut-off server cannot tell, and says so")
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

// TestCaughtUpWaitsForWatch: a read proves nothing until the watch has
// delivered every change up to the read's revision. The store reaches
// etcd through two proxies, as if two members, and the one that carries
// the watch is stalled while reads go through the other: a change made
// meanwhile stays unreported, and no CaughtUp claims a moment after it.
func TestCaughtUpWaitsForWatch(t *testing.T) {
	t.Parallel()
	const poll = time.Second
	prefix := newPrefix(t)
	ps := []*proxy{newProxy(t, shared.endpoint()), newProxy(t, shared.endpoint())}
	s, err := etcdstore.New(newClient(t, ps[0].addr(), ps[1].addr()), prefix)
	require.NoError(t, err)
	other := newStore(t, shared.endpoint(), prefix)
	f := &spy{}
	stop := s.Watch(f, timing(poll))
	defer stop()
	f.waitReporting(t, true)

	// Find the proxy that carries the watch: a change made while it is
	// stalled is not reported.
	var (
		made time.Time
		mark int
	)
	for i := 0; ; i++ {
		require.Less(t, i, 20, "no proxy found that holds the watch back")
		p := ps[i%2]
		p.Stall()
		mark = f.mark()
		require.NoError(t, other.Put(bg(), "alice", []byte(itoa(int64(i)))))
		made = time.Now()
		// Many times the time a report takes.
		reported := false
		for end := made.Add(300 * time.Millisecond); !reported && time.Now().Before(end); time.Sleep(time.Millisecond) {
			reported = slices.ContainsFunc(f.since(mark), isChange)
		}
		if !reported {
			defer p.Resume()
			break
		}
		p.Resume()
		f.waitReporting(t, true)
	}
	// Reads through the other proxy go on, each beat, until the feed
	// stops reporting.
	for end := made.Add(poll / 2); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, c := range f.since(mark) {
			require.False(t, c.kind == "caughtup" && c.t.After(made),
				"CaughtUp(%v after a change) before the change was reported", c.t.Sub(made))
		}
	}
}

// TestStarvedWatch: a watch whose goroutine is held up (here in the
// feed, as a starved goroutine would be) proves nothing while it is, so
// a token revoked meanwhile is refused once the trust window has passed
// since the revocation, though the feed still reports.
func TestStarvedWatch(t *testing.T) {
	t.Parallel()
	const window = 100 * time.Millisecond // the default
	prefix := newPrefix(t)
	var (
		hold    atomic.Bool
		holding = make(chan struct{}, 1)
		resume  = make(chan struct{})
		release = sync.OnceFunc(func() { close(resume) })
	)
	starved := &spy{onChanged: func(user string) {
		if user == "alice" && hold.Load() {
			holding <- struct{}{}
			<-resume
		}
	}}
	c, err := cache.Open(&spied{Store: newStore(t, shared.endpoint(), prefix), feed: starved}, cache.WithLogger(quiet))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	t.Cleanup(release)
	other, _ := openCache(t, newStore(t, shared.endpoint(), prefix))
	starved.waitReporting(t, true)
	mark := starved.mark()
	old, err := other.Register("alice", "a@b.org")
	require.NoError(t, err)
	starved.waitChanged(t, mark, "alice")
	ok, err := c.Verify("alice", old)
	require.NoError(t, err)
	require.True(t, ok)

	hold.Store(true)
	token, err := other.Reset("alice", "a@b.org")
	require.NoError(t, err)
	revoked := time.Now()
	select {
	case <-holding:
	case <-time.After(deadline):
		t.Fatal("the watch did not report the reset")
	}
	for end := revoked.Add(time.Second); time.Now().Before(end); {
		start := time.Now()
		ok, err := c.Verify("alice", old)
		require.False(t, ok && start.Sub(revoked) > window, "revoked token accepted %v after the reset, while the watch was held", start.Sub(revoked))
		if start.Sub(revoked) > window {
			assert.NoError(t, err, "etcd answers")
		}
		time.Sleep(time.Millisecond)
	}
	assert.True(t, starved.reporting(), "the feed stopped reporting: this test is about one that does not")
	release()
	ok, err = c.Verify("alice", token)
	require.NoError(t, err)
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
			stop := s.Watch(f, timing(100*time.Millisecond))
			f.waitReporting(t, true)
			return stop
		}},
		{"stalled while reporting", func(t *testing.T, f *spy) func() {
			stop := s.Watch(f, timing(100*time.Millisecond))
			f.waitReporting(t, true)
			p.Stall()
			f.waitReporting(t, false)
			return stop
		}},
		{"stalled before etcd created the watch", func(t *testing.T, f *spy) func() {
			p.Stall()
			stop := s.Watch(f, timing(100*time.Millisecond))
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
	stop := s.Watch(f, timing(100*time.Millisecond))
	f.waitReporting(t, true)
	require.NoError(t, client.Close())
	f.waitReporting(t, false)
	stop()
}
