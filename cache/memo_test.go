package cache

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readCounter counts the records read from the store under it.
type readCounter struct {
	Store
	reads atomic.Int64
}

func (r *readCounter) Read(ctx context.Context, user string) (Record, error) {
	r.reads.Add(1)
	return r.Store.Read(ctx, user)
}

func withReadCounter(rc **readCounter) Option {
	return func(c *config) error {
		c.wrapStore = func(s Store) Store {
			*rc = &readCounter{Store: s}
			return *rc
		}
		return nil
	}
}

func TestUnknownFloodKeepsUsersInMemory(t *testing.T) {
	var rc *readCounter
	c := newTestCache(t, WithMaxEntries(100), withReadCounter(&rc))
	tokens := map[string]string{}
	for i := range 50 {
		user := fmt.Sprintf("user%d", i)
		token, err := c.Register(user, "a@b.org")
		require.NoError(t, err)
		tokens[user] = token
	}
	waitFor(t, "the watcher", c.memo.trusted.Load)
	verifyAll := func() {
		t.Helper()
		for user, token := range tokens {
			ok, err := c.Verify(user, token)
			require.NoError(t, err)
			require.True(t, ok, user)
		}
	}
	// The registrations' own change events drop entries as they arrive;
	// wait until verifying every user reads nothing.
	waitFor(t, "every user cached", func() bool {
		before := rc.reads.Load()
		verifyAll()
		return rc.reads.Load() == before
	})

	r := newTestRand(3)
	for range 5000 {
		ok, err := c.Verify(fmt.Sprintf("nobody%x", r.Uint64()), "ff")
		require.ErrorIs(t, err, ErrNotRegistered)
		require.False(t, ok)
	}
	users, unknown := c.memo.sizes()
	assert.Equal(t, 50, users, "registered users kept")
	assert.LessOrEqual(t, unknown, 100, "unknown names bounded")

	before := rc.reads.Load()
	verifyAll()
	assert.Equal(t, before, rc.reads.Load(), "registered users served from memory after the flood")
}

func TestRegisteredEntriesBounded(t *testing.T) {
	c := newTestCache(t, WithMaxEntries(20))
	tokens := map[string]string{}
	for i := range 60 {
		user := fmt.Sprintf("user%d", i)
		token, err := c.Register(user, "a@b.org")
		require.NoError(t, err)
		tokens[user] = token
	}
	for range 3 {
		for user, token := range tokens {
			ok, err := c.Verify(user, token)
			require.NoError(t, err)
			require.True(t, ok, user)
			users, unknown := c.memo.sizes()
			require.LessOrEqual(t, users, 20)
			require.LessOrEqual(t, unknown, 20)
		}
	}
}

func TestRecordsLoadLazily(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 1000)
	var rc *readCounter
	c := newTestCacheIn(t, dir, withReadCounter(&rc))
	users, unknown := c.memo.sizes()
	assert.Equal(t, 0, users+unknown, "nothing read at open")
	assert.Zero(t, rc.reads.Load())
	for i := range 10 {
		ok, err := c.Verify(fmt.Sprintf("user%d", i), "ff")
		require.NoError(t, err)
		require.True(t, ok)
	}
	users, _ = c.memo.sizes()
	assert.Equal(t, 10, users, "only what was verified")
}

// writeRecords writes n records "user0"… with token "ff", as another
// program would.
func writeRecords(t testing.TB, dir string, n int) {
	t.Helper()
	for i := range n {
		user := fmt.Sprintf("user%d", i)
		rec := encodeRecord(User{User: user, Email: "a@b.org", HashedToken: ffHash})
		require.NoError(t, writeFileAt(dir, user, rec))
	}
}

// setRead makes what is cached for user look read at read.
func (m *memo) setRead(user string, read int64) {
	sh := m.shard(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if p := sh.users.Load(); p != nil && (*p)[user] != nil {
		e := *(*p)[user]
		e.read = read
		m := maps.Clone(*p)
		m[user] = &e
		sh.users.Store(&m)
	}
	if p := sh.unknown.Load(); p != nil {
		if _, ok := (*p)[user]; ok {
			m := maps.Clone(*p)
			m[user] = read
			sh.unknown.Store(&m)
		}
	}
}
