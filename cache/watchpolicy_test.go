package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withWatchPolicy makes the cache behave as on a platform with policy p,
// so that the kqueue platforms' decisions run on Linux too.
func withWatchPolicy(p watchPolicy) Option {
	return func(c *config) error {
		c.policy = p
		return nil
	}
}

func TestPlatformWatchPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		goos      string
		openFiles uint64
		want      watchPolicy
	}{
		{"linux", 1024, watchPolicy{}},
		{"windows", 1 << 20, watchPolicy{}},
		{"illumos", 256, watchPolicy{}},
		{"darwin", 256, watchPolicy{maxEntries: 64, pollAfterError: true}}, // macOS's default limit
		{"darwin", 10240, watchPolicy{maxEntries: maxKqueueEntries, pollAfterError: true}},
		{"ios", 1000, watchPolicy{maxEntries: 250, pollAfterError: true}},
		{"freebsd", 1 << 40, watchPolicy{maxEntries: maxKqueueEntries, pollAfterError: true}},
		{"openbsd", 512, watchPolicy{maxEntries: 128, pollAfterError: true}},
		{"netbsd", 3, watchPolicy{maxEntries: 1, pollAfterError: true}},
		{"dragonfly", 4096, watchPolicy{maxEntries: maxKqueueEntries, pollAfterError: true}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.goos, "/", tt.openFiles), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, platformWatchPolicy(tt.goos, tt.openFiles))
		})
	}
}

func TestCheckEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 600 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), nil, 0o600))
	}
	for _, tc := range []struct {
		max  int
		over bool
	}{{1, true}, {256, true}, {599, true}, {600, false}, {1024, false}} {
		err := checkEntries(dir, tc.max)
		if tc.over {
			assert.ErrorIs(t, err, errTooManyEntries, "max %d", tc.max)
			assert.Contains(t, err.Error(), fmt.Sprintf("more than %d", tc.max))
		} else {
			assert.NoError(t, err, "max %d", tc.max)
		}
	}
	assert.ErrorIs(t, checkEntries(filepath.Join(dir, "none"), 10), os.ErrNotExist)
}

// TestWatchTooManyEntries: with a bound on the entries watched (as on
// macOS and the BSDs), a directory past it is polled, the log says why
// once, readiness does not count that as a feed down, and the cache
// watches again once the directory is back under the bound.
func TestWatchTooManyEntries(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	var logs syncBuffer
	f := &watcherFactory{}
	c, _ := newCountingCache(t, dir, f.option(), WithPollInterval(poll),
		withWatchPolicy(watchPolicy{maxEntries: 3}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.True(t, c.memo.trusted.Load(), "one entry: watched")

	for _, user := range []string{"bob", "carol", "dave"} {
		writeOther(t, dir, user, tokB)
	}
	waitFor(t, "polling past the bound", func() bool { return !c.memo.trusted.Load() })
	waitFor(t, "the reason in the log", func() bool {
		return strings.Contains(logs.String(), "too many files in the credentials directory to watch")
	})
	s := c.Stats()
	assert.False(t, s.FeedReporting)
	assert.True(t, s.FeedLastReported.IsZero(), "polling by choice is not a feed that is down")
	// Poll intervals pass: each checks the directory again, quietly, and
	// readiness holds.
	deadline := time.Now().Add(5 * poll)
	for time.Now().Before(deadline) {
		require.NoError(t, c.Ready(context.Background()))
		time.Sleep(poll)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), `msg="cache: too many files`), "said once")

	require.NoError(t, os.Remove(filepath.Join(dir, "dave.json")))
	waitFor(t, "watching again under the bound", c.memo.trusted.Load)
	assert.Contains(t, logs.String(), "few enough files in the credentials directory to watch again")
	writeOther(t, dir, "alice", tokC)
	waitFor(t, "a notified change", func() bool { return accepts(c, "alice", tokC) })
	f.only(t)
}

// TestWatchTooManyEntriesAtStart: a directory past the bound from the
// start is polled, with one warning that says why.
func TestWatchTooManyEntriesAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, user := range []string{"alice", "bob", "carol"} {
		writeOther(t, dir, user, tokA)
	}
	var logs syncBuffer
	c, _ := newCountingCache(t, dir, WithPollInterval(time.Hour),
		withWatchPolicy(watchPolicy{maxEntries: 2}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	assert.False(t, c.memo.trusted.Load())
	assert.Equal(t, 1, strings.Count(logs.String(), "level=WARN msg=\"cache: too many files"), logs.String())
	assert.NotContains(t, logs.String(), "cannot watch", "one warning, that says why")
	assert.Contains(t, logs.String(), "more than 2")
	assert.NoError(t, c.Ready(context.Background()))
}

// TestWatchErrorPollsForGood: where the policy says so (kqueue), a watch
// error makes the cache poll from then on, without making another
// watcher, and readiness holds.
func TestWatchErrorPollsForGood(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	var logs syncBuffer
	f := &watcherFactory{}
	c, cs := newCountingCache(t, dir, f.option(), WithPollInterval(poll),
		withWatchPolicy(watchPolicy{pollAfterError: true}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.True(t, c.memo.trusted.Load())
	require.True(t, accepts(c, "alice", tokA))

	injectError(t, f.only(t), errors.New("test: too many open files"))
	waitFor(t, "polling", func() bool { s := c.Stats(); return !s.FeedReporting && s.FeedLastReported.IsZero() })
	assert.Contains(t, logs.String(), "polling from now on")
	assert.Contains(t, logs.String(), "test: too many open files")

	// Poll intervals pass on the loop's timer: no new watch, no watcher.
	deadline := time.Now().Add(10 * poll)
	for time.Now().Before(deadline) {
		require.False(t, c.memo.trusted.Load(), "watching again")
		time.Sleep(poll)
	}
	assert.Equal(t, int64(1), f.calls.Load(), "watchers made")
	assert.NoError(t, c.Ready(context.Background()))
	requirePolled(t, c, cs, dir, poll)
}
