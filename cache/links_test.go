package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordWithAnotherName shows that a record reachable through another
// name, whose changes through that name raise no notification for the
// user, is trusted for the poll interval only, while the watch works.
func TestRecordWithAnotherName(t *testing.T) {
	const poll = time.Hour // moved only by the test clock
	for _, tc := range []struct {
		name   string
		link   func(t *testing.T, dir string) // makes alice.json, holding tokA
		change func(t *testing.T, dir string) // makes it hold tokB, unseen by the watch
	}{
		{"symlink into a subdirectory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
			writeOther(t, filepath.Join(dir, "sub"), "alice", tokA)
			require.NoError(t, os.Symlink("sub/alice.json", filepath.Join(dir, "alice.json")))
		}, func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "tmp"), recordFor(t, "alice", tokB), 0o600))
			require.NoError(t, os.Rename(filepath.Join(dir, "sub", "tmp"), filepath.Join(dir, "sub", "alice.json")))
		}},
		{"symlink to another record name", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "alice-v2.json"), recordFor(t, "alice", tokA), 0o600))
			require.NoError(t, os.Symlink("alice-v2.json", filepath.Join(dir, "alice.json")))
		}, func(t *testing.T, dir string) {
			// An event names alice-v2, not alice.
			require.NoError(t, os.WriteFile(filepath.Join(dir, "alice-v2.json"), recordFor(t, "alice", tokB), 0o600))
		}},
		{"hard link in a subdirectory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
			writeOther(t, dir, "alice", tokA)
			require.NoError(t, os.Link(filepath.Join(dir, "alice.json"), filepath.Join(dir, "sub", "a")))
		}, func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "a"), recordFor(t, "alice", tokB), 0o600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.link(t, dir)
			c, cs := newCountingCache(t, dir, WithPollInterval(poll))
			waitFor(t, "the watch", c.memo.trusted.Load)
			require.True(t, accepts(c, "alice", tokA))

			tc.change(t, dir)
			cs.clock.advance(poll - 1)
			assert.True(t, accepts(c, "alice", tokA), "cached within the poll interval")
			cs.clock.advance(1)
			assert.True(t, accepts(c, "alice", tokB), "the change, once the poll interval has passed")
			assert.True(t, rejects(c, "alice", tokA))
		})
	}
}

// TestPlainRecordTrustedWhileWatched is the converse: a record with no
// other name is read once while the watch works and keeps catching up,
// however long it is used.
func TestPlainRecordTrustedWhileWatched(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir, WithPollInterval(time.Second))
	waitFor(t, "the watch", c.memo.trusted.Load)
	require.True(t, accepts(c, "alice", tokA))
	reads := cs.readsOf("alice")
	cs.clock.advance(time.Hour)
	waitCaughtUp(t, c)
	assert.True(t, accepts(c, "alice", tokA))
	assert.Equal(t, reads, cs.readsOf("alice"))
}

// withSweepNow lets a test run the watch's sweep of served records on
// demand: each send on ch runs one share of it (see servedSet).
func withSweepNow(ch chan struct{}) Option {
	return func(c *config) error {
		c.sweepNow = ch
		return nil
	}
}

// sweepAll runs the sweep until it has been over every served record
// once: the steps of one pass.
func sweepAll(ch chan struct{}) {
	for range sweepSteps {
		ch <- struct{}{}
	}
}

// TestRecordLinkedAfterRead shows that a record read while it had one
// name, then given a second one from outside the directory and
// rewritten through it (which raises no event in the directory), stops
// being trusted at the next sweep of the served records: the new token
// works and the old one no longer does, with the watch working all along.
func TestRecordLinkedAfterRead(t *testing.T) {
	const poll = time.Hour // the memo clock and the sweep move only when told to
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, record, outside string)
	}{
		{"link, then write through it", func(t *testing.T, record, outside string) {
			require.NoError(t, os.Link(record, outside))
			require.NoError(t, os.WriteFile(outside, recordFor(t, "alice", tokB), 0o600))
		}},
		{"link, write through it, unlink", func(t *testing.T, record, outside string) {
			// The link count is back to one: the change time tells.
			require.NoError(t, os.Link(record, outside))
			require.NoError(t, os.WriteFile(outside, recordFor(t, "alice", tokB), 0o600))
			require.NoError(t, os.Remove(outside))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeOther(t, dir, "alice", tokA)
			sweep := make(chan struct{})
			c, cs := newCountingCache(t, dir, WithPollInterval(poll), withSweepNow(sweep))
			waitFor(t, "the watch", c.memo.trusted.Load)
			require.True(t, accepts(c, "alice", tokA))

			tc.change(t, filepath.Join(dir, "alice.json"), filepath.Join(t.TempDir(), "a"))
			require.True(t, accepts(c, "alice", tokA), "unseen until the sweep")

			sweepAll(sweep)
			waitFor(t, "the new token", func() bool { return accepts(c, "alice", tokB) })
			assert.True(t, rejects(c, "alice", tokA))
			assert.True(t, c.memo.trusted.Load(), "the watch worked all along")

			// Whatever is now on disk is read again once the poll
			// interval has passed, link or no link.
			require.NoError(t, writeFileAt(filepath.Join(dir), "alice", recordFor(t, "alice", tokC)))
			cs.clock.advance(poll)
			waitFor(t, "the third token", func() bool { return accepts(c, "alice", tokC) })
		})
	}
}

// TestLinkedRecordPolledOnceSeen shows that once the sweep has seen a
// second link, the record is polled: a write through the link is seen
// after the poll interval, with no sweep.
func TestLinkedRecordPolledOnceSeen(t *testing.T) {
	const poll = time.Hour
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	sweep := make(chan struct{})
	c, cs := newCountingCache(t, dir, WithPollInterval(poll), withSweepNow(sweep))
	waitFor(t, "the watch", c.memo.trusted.Load)
	require.True(t, accepts(c, "alice", tokA))

	outside := filepath.Join(t.TempDir(), "a")
	require.NoError(t, os.Link(filepath.Join(dir, "alice.json"), outside))
	reads := cs.readsOf("alice")
	sweepAll(sweep)
	waitFor(t, "a read of the linked record", func() bool {
		accepts(c, "alice", tokA)
		return cs.readsOf("alice") > reads
	})

	require.NoError(t, os.WriteFile(outside, recordFor(t, "alice", tokB), 0o600))
	cs.clock.advance(poll)
	assert.True(t, accepts(c, "alice", tokB))
}

// TestServedRecordsBounded shows that the sweep forgets the records the
// cache no longer holds, and that past the bound records are polled
// rather than checked.
func TestServedRecordsBounded(t *testing.T) {
	const poll = time.Hour
	dir := t.TempDir()
	for _, u := range []string{"alice", "bob", "carol"} {
		writeOther(t, dir, u, tokA)
	}
	sweep := make(chan struct{})
	c, cs := newCountingCache(t, dir, WithPollInterval(poll), withSweepNow(sweep), WithMaxEntries(2))
	waitFor(t, "the watch", c.memo.trusted.Load)
	ds := cs.Store.(*dirStore)
	served := ds.served[0]

	require.True(t, accepts(c, "alice", tokA))
	require.True(t, accepts(c, "bob", tokA))
	assert.Equal(t, 2, served.size())

	// The set is full: carol's record is served as PollOnly, and read
	// again once the poll interval has passed.
	require.True(t, accepts(c, "carol", tokA))
	assert.Equal(t, 2, served.size())
	reads := cs.readsOf("carol")
	cs.clock.advance(poll)
	require.True(t, accepts(c, "carol", tokA))
	assert.Equal(t, reads+1, cs.readsOf("carol"))

	// Records dropped from the cache are forgotten by the sweep once it
	// has found them so twice.
	c.memo.ChangedAll()
	sweepAll(sweep)
	assert.Equal(t, 2, served.size(), "kept after one sweep")
	sweepAll(sweep)
	waitFor(t, "the set to empty", func() bool { return served.size() == 0 })
}

// TestRecordLinkedAfterReadRealTime is TestRecordLinkedAfterRead on the
// real clock, as a server runs: the change is seen within about a poll
// interval of the sweep's own ticker.
func TestRecordLinkedAfterReadRealTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c := newTestCacheIn(t, dir, WithPollInterval(20*time.Millisecond))
	waitFor(t, "the watch", c.memo.trusted.Load)
	require.True(t, accepts(c, "alice", tokA))

	outside := filepath.Join(t.TempDir(), "a")
	require.NoError(t, os.Link(filepath.Join(dir, "alice.json"), outside))
	require.NoError(t, os.WriteFile(outside, recordFor(t, "alice", tokB), 0o600))
	waitFor(t, "the new token", func() bool { return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) })
	assert.True(t, c.memo.trusted.Load(), "the watch worked all along")
}
