package cache

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStats(t *testing.T) {
	// On the test clock, which stands still: user0 stays trusted however
	// late the scheduler runs the watch.
	c, _ := newCountingCache(t, t.TempDir(), WithMaxEntries(3))
	waitFor(t, "the watch", c.memo.trusted.Load)
	s := c.Stats()
	assert.True(t, s.FeedReporting)
	assert.WithinDuration(t, time.Now(), s.FeedLastReported, time.Second)
	assert.Equal(t, 3, s.MaxUsers)
	assert.Equal(t, 3, s.MaxUnknown)

	tokens := map[string]string{}
	for i := range 5 {
		user := fmt.Sprintf("user%d", i)
		token, err := c.Register(user, "a@b.org")
		require.NoError(t, err)
		tokens[user] = token
	}
	// Registration events drop entries as they arrive: let them all
	// arrive, then cache user0.
	drainEvents(t, c)
	waitFor(t, "user0 cached", func() bool {
		before := c.Stats().Misses
		assertVerifies(t, c, "user0", tokens["user0"])
		return c.Stats().Misses == before
	})

	before := c.Stats()
	const hits = 64 * 1000
	for range hits {
		assertVerifies(t, c, "user0", tokens["user0"])
	}
	after := c.Stats()
	assert.Equal(t, before.Misses, after.Misses, "misses while user0 is cached")
	assert.InEpsilon(t, hits, after.Hits-before.Hits, 0.1, "estimated hits")

	for user, token := range tokens {
		ok, err := c.Verify(user, token)
		require.NoError(t, err)
		require.True(t, ok)
	}
	waitListed(t, c)
	forgetNames(c) // so that nobody is read and cached as unknown
	_, err := c.Verify("nobody", tokens["user0"])
	require.ErrorIs(t, err, ErrNotRegistered)
	s = c.Stats()
	assert.LessOrEqual(t, s.Users, 3, "users held")
	assert.Equal(t, 1, s.Unknown, "unknown names held")
	assert.Positive(t, s.UserEvictions, "evictions at the bound of 3")
	assert.Greater(t, s.Loads, before.Loads, "loads")
	assert.Zero(t, s.LoadErrors)

	c.memo.Reporting(false)
	s = c.Stats()
	assert.False(t, s.FeedReporting)
	assert.WithinDuration(t, time.Now(), s.FeedLastReported, time.Second)
}

func TestStatsNeverReported(t *testing.T) {
	c := newTestCache(t, WithWatch(false))
	s := c.Stats()
	assert.False(t, s.FeedReporting)
	assert.True(t, s.FeedLastReported.IsZero())
	assert.NoError(t, c.Ready(context.Background()), "a cache that polls by design is ready")
}

func TestReady(t *testing.T) {
	c, fst := newFaultCache(t, WithPollInterval(20*time.Millisecond))
	waitFor(t, "the watch", c.memo.trusted.Load)
	require.NoError(t, c.Ready(context.Background()))

	fst.set(healthProbe, syscall.EIO, nil)
	err := c.Ready(context.Background())
	assert.ErrorIs(t, err, syscall.EIO, "store cannot be read")
	assert.EqualError(t, err, "cache: store cannot be read: "+syscall.EIO.Error(), "no word of the record read")
	fst.set(healthProbe, nil, nil)
	require.NoError(t, c.Ready(context.Background()))

	c.memo.Reporting(false) // as a store whose feed went down
	waitFor(t, "not ready once the feed is down for a poll interval", func() bool {
		err := c.Ready(context.Background())
		return err != nil && assert.Contains(t, err.Error(), "change feed down")
	})
	c.memo.Reporting(true)
	assert.NoError(t, c.Ready(context.Background()))

	c.Close()
	assert.ErrorIs(t, c.Ready(context.Background()), ErrClosed)
}

// TestReadyErrorNamesNoRecord: Ready's error tells what went wrong in
// the store's own words, without the name of the record it reads.
func TestReadyErrorNamesNoRecord(t *testing.T) {
	cause := errors.New("connection refused")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("store: reading record of %q: %w", healthProbe, cause), "cache: store cannot be read: connection refused"},
		{fmt.Errorf("store: reading record of %q: %w (%w)", healthProbe, context.DeadlineExceeded, cause), "cache: store cannot be read: context deadline exceeded"},
		{fmt.Errorf("store: %w", cause), "cache: store cannot be read: store: connection refused"},
		{errors.New("store: no record " + healthProbe), "cache: store cannot be read"},
	} {
		err := unreadable{tt.err}
		assert.EqualError(t, err, tt.want)
		assert.ErrorIs(t, err, tt.err, "the store's error stays in the chain")
	}
}
