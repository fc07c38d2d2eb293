package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stallingStore hands the cache's feed to its store through a stallFeed.
type stallingStore struct {
	Store
	feed *stallFeed
}

func withStallingFeed(sf **stallFeed) Option {
	return withStoreWrapper(func(s Store) Store {
		*sf = &stallFeed{stalled: make(chan struct{}), release: make(chan struct{})}
		return &stallingStore{Store: s, feed: *sf}
	})
}

func (s *stallingStore) Watch(feed Feed, timing FeedTiming) (stop func()) {
	s.feed.Feed = feed
	return s.Store.Watch(s.feed, timing)
}

// stallFeed passes a store's reports on to the cache's feed. Once held,
// the next report blocks the store's watching goroutine, as a goroutine
// starved of CPU time would be held, until the feed is let go.
type stallFeed struct {
	Feed
	mu      sync.Mutex
	held    bool
	stalled chan struct{} // closed once a report is held
	release chan struct{} // closed to let go
}

func (f *stallFeed) hold() {
	f.mu.Lock()
	f.held = true
	f.mu.Unlock()
}

func (f *stallFeed) wait() {
	f.mu.Lock()
	held := f.held
	if held {
		f.held = false
		close(f.stalled)
	}
	f.mu.Unlock()
	if held {
		<-f.release
	}
}

func (f *stallFeed) Changed(user string)  { f.wait(); f.Feed.Changed(user) }
func (f *stallFeed) ChangedAll()          { f.wait(); f.Feed.ChangedAll() }
func (f *stallFeed) Reporting(on bool)    { f.wait(); f.Feed.Reporting(on) }
func (f *stallFeed) CaughtUp(t time.Time) { f.wait(); f.Feed.CaughtUp(t) }

// TestStarvedWatchEarnsNoTrust: the watching goroutine is held in the
// middle of reporting a change, as a starved one would be, while the
// feed still says it reports. Once the trust window has passed since the
// feed last caught up, the cache answers from the disk, not from memory.
func TestStarvedWatchEarnsNoTrust(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	var sf *stallFeed
	c, cs := newCountingCache(t, dir, withStallingFeed(&sf))
	waitFor(t, "the watch", c.memo.trusted.Load)
	waitCaughtUp(t, c)
	require.True(t, accepts(c, "alice", tokA))

	sf.hold()
	writeOther(t, dir, "alice", tokB)
	select {
	case <-sf.stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the watch never reported again")
	}
	defer close(sf.release)
	require.True(t, c.memo.trusted.Load(), "the feed still says it reports")

	cs.clock.advance(c.memo.window)
	assert.True(t, rejects(c, "alice", tokA), "the old token, a window after the feed last caught up")
	assert.True(t, accepts(c, "alice", tokB), "the new token, read from the disk")
}

// TestTrustWindow: the window's default, bound and refusals.
func TestTrustWindow(t *testing.T) {
	for _, tt := range []struct {
		opts []Option
		want FeedTiming
	}{
		{nil, FeedTiming{Poll: time.Second, Window: 100 * time.Millisecond}},
		{[]Option{WithPollInterval(50 * time.Millisecond)}, FeedTiming{Poll: 50 * time.Millisecond, Window: 50 * time.Millisecond}},
		{[]Option{WithTrustWindow(time.Hour)}, FeedTiming{Poll: time.Second, Window: time.Second}},
		{[]Option{WithTrustWindow(time.Millisecond)}, FeedTiming{Poll: time.Second, Window: time.Millisecond}},
	} {
		cfg, err := newConfig(tt.opts)
		require.NoError(t, err)
		assert.Equal(t, tt.want, cfg.timing())
	}
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := newConfig([]Option{WithTrustWindow(d)})
		assert.Error(t, err, "window %v", d)
	}
}

// TestCaughtUpMovesForwardOnly: a late proof of an earlier moment never
// takes trust back, and losing the feed forgets every proof.
func TestCaughtUpMovesForwardOnly(t *testing.T) {
	m := newMemo(64, 16, FeedTiming{Poll: time.Second, Window: 100 * time.Millisecond}, nil)
	m.Reporting(true)
	now := time.Now()
	m.CaughtUp(now)
	at := m.caughtUp.Load()
	m.CaughtUp(now.Add(-time.Second))
	assert.Equal(t, at, m.caughtUp.Load(), "an older proof moved trust back")
	assert.True(t, m.fresh(m.now(), noProof, false), "an old entry, just after a proof")
	m.Reporting(false)
	m.Reporting(true)
	assert.False(t, m.fresh(m.now(), noProof, false), "an old entry trusted on a proof from before the feed was lost")
}

// TestFloodOfFreshNames: once the names are listed, unknown names,
// however many, are answered without reading the store or caching
// anything, so that a flood of fresh names evicts no warm name: a
// registered and an unknown name then cost the same, one lookup in
// memory each, flood or not.
func TestFloodOfFreshNames(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir)
	waitFor(t, "the watch", c.memo.trusted.Load)
	waitCaughtUp(t, c)
	waitListed(t, c)
	require.True(t, accepts(c, "alice", tokA))
	require.True(t, unregistered(c, "mallory"))
	reads := cs.readsOf("alice") + cs.readsOf("mallory")

	fresh := 0
	for i := range 3 * maxUnknownNames {
		name := fmt.Sprintf("fresh%d", i)
		require.True(t, unregistered(c, name))
		fresh += cs.readsOf(name)
	}
	require.True(t, accepts(c, "alice", tokA))
	require.True(t, unregistered(c, "mallory"))
	assert.Zero(t, fresh, "reads of fresh names")
	assert.Equal(t, reads, cs.readsOf("alice")+cs.readsOf("mallory"), "reads of warm names after the flood")
	_, unknown := c.memo.sizes()
	assert.Zero(t, unknown, "unknown names cached")

	// A name registered meanwhile by another program is seen.
	writeOther(t, dir, "fresh7", tokB)
	waitFor(t, "the new record", func() bool { return accepts(c, "fresh7", tokB) })
}

// heldFeedStore never starts its store's watch: it hands the cache's
// feed to the test, which reports for it, so that records change on the
// disk unseen whatever the test says of the feed.
type heldFeedStore struct {
	Store
	feed Feed
}

func (s *heldFeedStore) Watch(feed Feed, _ FeedTiming) (stop func()) {
	s.feed = feed
	return func() {}
}

func withHeldFeed(hs **heldFeedStore) Option {
	return withStoreWrapper(func(s Store) Store {
		*hs = &heldFeedStore{Store: s}
		return *hs
	})
}

// TestFeedDownTrustsTheReadOnly: a feed that has reported and is then
// lost leaves each entry trusted for the trust window past its read, not
// the poll interval: a process paused while its feed was down answers
// nothing read before the pause. A store that has never reported, or
// polls by its own choice, is trusted for the poll interval.
func TestFeedDownTrustsTheReadOnly(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	var hs *heldFeedStore
	c, cs := newCountingCache(t, dir, withHeldFeed(&hs))
	window, poll := c.memo.window, c.memo.poll
	require.Less(t, 2*window, poll)

	// Never reported: the poll interval.
	require.True(t, accepts(c, "alice", tokA))
	writeOther(t, dir, "alice", tokB)
	cs.clock.advance(poll - window)
	assert.True(t, accepts(c, "alice", tokA), "within the poll interval of the read, before the feed ever reported")
	cs.clock.advance(window)
	assert.True(t, accepts(c, "alice", tokB), "past the poll interval")

	// Reporting, then down.
	hs.feed.Reporting(true)
	hs.feed.CaughtUp(time.Now())
	hs.feed.Reporting(false)
	cs.clock.advance(window)
	reads := cs.readsOf("alice")
	require.True(t, accepts(c, "alice", tokB))
	require.Equal(t, reads+1, cs.readsOf("alice"), "a window past the read, the feed down: read again")
	writeOther(t, dir, "alice", tokC)
	cs.clock.advance(window - 1)
	assert.True(t, accepts(c, "alice", tokB), "within the window of the read, while the feed is down")
	assert.Equal(t, reads+1, cs.readsOf("alice"), "an answer from memory within the window")
	cs.clock.advance(1)
	assert.True(t, rejects(c, "alice", tokB), "the old token, a window after the read, the feed down")
	assert.True(t, accepts(c, "alice", tokC), "the new token, read again")

	// Polling by the store's choice: the poll interval again, for
	// records read from then on.
	c.memo.watchOff()
	reads = cs.readsOf("alice")
	require.True(t, accepts(c, "alice", tokC))
	require.Equal(t, reads+1, cs.readsOf("alice"), "read again once polling: what was read while the feed was down gains no trust")
	writeOther(t, dir, "alice", tokA)
	cs.clock.advance(poll - 1)
	assert.True(t, accepts(c, "alice", tokC), "within the poll interval of the read, polling by choice")
	cs.clock.advance(1)
	assert.True(t, accepts(c, "alice", tokA), "past the poll interval, polling by choice")
}

// TestFeedNeverReportedOnAnotherStore: only a directory is polled until
// its feed first reports; on any other store (etcd, whose watch may not
// be created yet) an entry is trusted for the window past its read.
func TestFeedNeverReportedOnAnotherStore(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	ds, err := openDirStore(dir, defaultConfig())
	require.NoError(t, err)
	clk := &testClock{}
	c, err := Open(&heldFeedStore{Store: ds}, withClock(clk))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	require.True(t, accepts(c, "alice", tokA))
	writeOther(t, dir, "alice", tokB)
	clk.advance(c.memo.window - 1)
	assert.True(t, accepts(c, "alice", tokA), "within the window of the read")
	clk.advance(1)
	assert.True(t, accepts(c, "alice", tokB), "a window past the read, the feed never reported")
}
