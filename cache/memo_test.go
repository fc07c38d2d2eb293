package cache

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	h, sh := m.locate(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := get(sh.users.Load(), h, user); ok {
		stale := *e
		stale.read = read
		sh.users.Store(with(sh.users.Load(), h, user, &stale, &m.users, &m.stats.userEvictions))
	}
	if _, ok := get(sh.unknown.Load(), h, user); ok {
		sh.unknown.Store(with(sh.unknown.Load(), h, user, read, &m.unknown, &m.stats.unknownEvictions))
	}
}

// TestMemoTables drives a memo with random adds, drops and lookups,
// checked against a plain map, with readers racing the writers: tables
// stay sorted, bounds hold, and a lookup finds exactly what was added
// and not dropped since.
func TestMemoTables(t *testing.T) {
	m := newMemo(64, 16, FeedTiming{Poll: time.Hour, Window: time.Hour}, nil)
	m.Reporting(true)
	model := map[string]bool{} // name → registered (true) or unknown (false)
	r := newTestRand(7)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
					m.lookup(fmt.Sprintf("u%d", rand.IntN(200)))
				}
			}
		})
	}
	for range 20000 {
		name := fmt.Sprintf("u%d", r.IntN(200))
		switch r.IntN(4) {
		case 0:
			m.add(m.generation(name), &entry{user: name})
			model[name] = true
		case 1:
			m.addUnknown(m.generation(name), name, 0)
			model[name] = false
		case 2:
			m.Changed(name)
			delete(model, name)
		default:
			e, absent, fresh, _, _ := m.lookup(name)
			registered, ok := model[name]
			switch {
			case e != nil:
				require.True(t, ok && registered, "%s found as a user", name)
				require.True(t, fresh)
			case absent:
				require.True(t, ok && !registered, "%s found as unknown", name)
			default:
				// Not held: never added, dropped, or evicted at the bound.
				delete(model, name)
			}
		}
		users, unknown := m.sizes()
		require.LessOrEqual(t, users, 64)
		require.LessOrEqual(t, unknown, 16)
	}
	close(done)
	readers.Wait()
	var users, unknown int
	for i := range m.shards {
		sh := &m.shards[i]
		for _, p := range []*table[*entry]{sh.users.Load()} {
			if p != nil {
				require.True(t, slices.IsSortedFunc(*p, func(a, b slot[*entry]) int { return cmp.Compare(a.hash, b.hash) }))
				users += len(*p)
			}
		}
		if p := sh.unknown.Load(); p != nil {
			require.True(t, slices.IsSortedFunc(*p, func(a, b slot[int64]) int { return cmp.Compare(a.hash, b.hash) }))
			unknown += len(*p)
		}
	}
	gotUsers, gotUnknown := m.sizes()
	assert.Equal(t, users, gotUsers, "user count")
	assert.Equal(t, unknown, gotUnknown, "unknown count")
	assert.Positive(t, m.stats.userEvictions.Load()+m.stats.unknownEvictions.Load(), "the bounds were reached")
}
