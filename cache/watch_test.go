package cache

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of change notifications. Changes are made as another program
// would make them: os.WriteFile, os.Rename, os.Remove on record files
// built with encodeRecord. Each test waits for the contract with a
// deadline (waitFor), never for a fixed time; the few sleeps are the poll
// interval itself, whose passing is the contract under test.

// Tokens of 20 bytes. tokC is never stored anywhere: no answer may ever
// accept it.
var (
	tokA = strings.Repeat("a1", 20)
	tokB = strings.Repeat("b2", 20)
	tokC = strings.Repeat("c3", 20)
)

// recordFor returns user's record for token, exactly as the Python
// service would write it.
func recordFor(t testing.TB, user, token string) []byte {
	t.Helper()
	sum, ok := hashToken(token, defaultNBytes)
	require.True(t, ok)
	return encodeRecord(User{User: user, Email: user + "@example.org", HashedToken: hex.EncodeToString(sum[:])})
}

// writeOther writes user's record for token into dir, in place, as
// another program would.
func writeOther(t testing.TB, dir, user, token string) {
	t.Helper()
	require.NoError(t, writeFileAt(dir, user, recordFor(t, user, token)))
}

// accepts reports whether Verify answers (true, nil).
func accepts(c *Cache, user, token string) bool {
	ok, err := c.Verify(user, token)
	return ok && err == nil
}

// rejects reports whether Verify answers (false, nil): a registered user
// and a wrong token.
func rejects(c *Cache, user, token string) bool {
	ok, err := c.Verify(user, token)
	return !ok && err == nil
}

// unregistered reports whether Verify answers ErrNotRegistered.
func unregistered(c *Cache, user string) bool {
	ok, err := c.Verify(user, tokC)
	return !ok && errors.Is(err, ErrNotRegistered)
}

// cached reports how user is held in memory, stale or not.
func cached(c *Cache, user string) (asUser, asUnknown bool) {
	h, sh := c.memo.locate(user)
	_, asUser = get(sh.users.Load(), h, user)
	_, asUnknown = get(sh.unknown.Load(), h, user)
	return asUser, asUnknown
}

// countingStore is the file system store counting what the cache asks of
// it: reads per user, and calls of any kind.
type countingStore struct {
	Store
	calls atomic.Int64
	clock *testClock // the cache's memo clock

	mu    sync.Mutex
	reads map[string]int
}

func withCountingStore(cs **countingStore) Option {
	return withStoreWrapper(func(s Store) Store {
		*cs = &countingStore{Store: s, reads: map[string]int{}}
		return *cs
	})
}

// withStoreWrapper puts the store that wrap returns around the cache's
// store, outside those of the options before it.
func withStoreWrapper(wrap func(Store) Store) Option {
	return func(c *config) error {
		inner := c.wrapStore
		c.wrapStore = func(s Store) Store {
			if inner != nil {
				s = inner(s)
			}
			return wrap(s)
		}
		return nil
	}
}

// newCountingCache is newTestCacheIn on a countingStore, with a
// testClock for the age of cached entries.
func newCountingCache(t testing.TB, dir string, opts ...Option) (*Cache, *countingStore) {
	t.Helper()
	var cs *countingStore
	clk := &testClock{}
	c := newTestCacheIn(t, dir, append(opts, withCountingStore(&cs), withClock(clk))...)
	cs.clock = clk
	return c, cs
}

// testClock is a memo clock that moves only when told to.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Duration      { return time.Duration(c.ns.Load()) }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func withClock(c *testClock) Option {
	return func(cfg *config) error {
		cfg.clock = c.now
		return nil
	}
}

func (s *countingStore) Read(ctx context.Context, user string) (Record, error) {
	s.calls.Add(1)
	s.mu.Lock()
	s.reads[user]++
	s.mu.Unlock()
	return s.Store.Read(ctx, user)
}

func (s *countingStore) Create(ctx context.Context, user string, rec []byte) error {
	s.calls.Add(1)
	return s.Store.Create(ctx, user, rec)
}

func (s *countingStore) Put(ctx context.Context, user string, rec []byte) error {
	s.calls.Add(1)
	return s.Store.Put(ctx, user, rec)
}

func (s *countingStore) CompareAndSwap(ctx context.Context, user string, old Version, rec []byte) error {
	s.calls.Add(1)
	return s.Store.CompareAndSwap(ctx, user, old, rec)
}

func (s *countingStore) Remove(ctx context.Context, user string) error {
	s.calls.Add(1)
	return s.Store.Remove(ctx, user)
}

func (s *countingStore) List(ctx context.Context) ([]string, error) {
	s.calls.Add(1)
	return s.Store.List(ctx)
}

func (s *countingStore) readsOf(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[user]
}

// watcherFactory makes the cache's watchers: real ones, kept so that a
// test can inject errors, or none while fail is set.
type watcherFactory struct {
	fail  atomic.Bool
	calls atomic.Int64

	mu   sync.Mutex
	made []*fsnotify.Watcher
}

var errNoWatcher = errors.New("test: no watcher for you")

func (f *watcherFactory) option() Option {
	return func(c *config) error {
		c.newWatcher = f.newWatcher
		return nil
	}
}

func (f *watcherFactory) newWatcher() (*fsnotify.Watcher, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return nil, errNoWatcher
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.made = append(f.made, w)
	f.mu.Unlock()
	return w, nil
}

// only returns the one watcher made.
func (f *watcherFactory) only(t testing.TB) *fsnotify.Watcher {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.made, 1, "watchers made")
	return f.made[0]
}

// injectError hands err to the cache as if the watcher had reported it.
// The cache's loop is the only reader, so the send returns once the loop
// has taken it.
func injectError(t testing.TB, w *fsnotify.Watcher, err error) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	select {
	case w.Errors <- err:
	case <-timeout.C:
		t.Fatalf("the watch loop did not take %v", err)
	}
}

var barriers atomic.Int64

// drainEvents returns once the cache has handled the notifications of
// every change made before the call. Notifications are handled in order
// by one goroutine, so it makes a change of its own, to a name it first
// caches as unknown, and waits for that change to drop the name. The
// change is a symbolic link's creation, a single event: no notification
// of its own is left pending either. It waits for the watch to work; no
// pending notification may drop every entry (the barrier would then fall
// early).
func drainEvents(t testing.TB, c *Cache) {
	t.Helper()
	waitFor(t, "a working watch", c.memo.trusted.Load)
	name := fmt.Sprintf("barrier%d", barriers.Add(1))
	waitFor(t, "the barrier known as unknown", func() bool {
		_, err := c.Verify(name, tokC)
		require.ErrorIs(t, err, ErrNotRegistered)
		return knownAbsent(c, name)
	})
	require.NoError(t, os.Symlink("nowhere", filepath.Join(c.dir, name+recordExt)))
	waitFor(t, "the watcher to reach the barrier", func() bool { return !knownAbsent(c, name) })
}

// knownAbsent reports whether the memo holds that name has no record:
// cached as unknown, or missing from its shard's listed names.
func knownAbsent(c *Cache, name string) bool {
	h, sh := c.memo.locate(name)
	set := sh.names.Load()
	_, unknown := cached(c, name)
	return unknown || set != nil && !set.has(h)
}

// waitListed waits until every shard's names are listed.
func waitListed(t testing.TB, c *Cache) {
	t.Helper()
	waitFor(t, "the names listed", func() bool {
		for i := range c.memo.shards {
			if c.memo.shards[i].names.Load() == nil {
				return false
			}
		}
		return true
	})
}

// forgetNames stops c listing names and drops those listed, so that an
// unknown name is read from the store and cached as unknown.
func forgetNames(c *Cache) {
	if c.stopList != nil {
		c.stopList()
	}
	c.memo.dropNames()
}

// cacheNow verifies user until doing so reads nothing: a load that a
// notification overtakes is not cached (see memo.add).
func cacheNow(t testing.TB, c *Cache, cs *countingStore, user string) {
	t.Helper()
	waitFor(t, user+" held in memory", func() bool {
		reads := cs.readsOf(user)
		_, err := c.Verify(user, tokC)
		require.True(t, err == nil || errors.Is(err, ErrNotRegistered), "%v", err)
		return cs.readsOf(user) == reads
	})
}

// fakeFeed records what a store tells the cache.
type fakeFeed struct {
	changedUsers []string
	all          int
	on           []bool
}

func (f *fakeFeed) Changed(user string) { f.changedUsers = append(f.changedUsers, user) }
func (f *fakeFeed) ChangedAll()         { f.all++ }
func (f *fakeFeed) Reporting(on bool)   { f.on = append(f.on, on) }
func (f *fakeFeed) CaughtUp(time.Time)  {}

func TestWatchDispatch(t *testing.T) {
	t.Parallel()
	const dir = "/srv/creds"
	type want struct {
		users []string
		all   int
	}
	var (
		nothing = want{}
		all     = want{all: 1}
		alice   = want{users: []string{"alice"}}
	)
	tests := []struct {
		name string
		op   fsnotify.Op
		want want
	}{
		{"alice.json", fsnotify.Create, alice},
		{"alice.json", fsnotify.Write, alice},
		{"alice.json", fsnotify.Remove, alice},
		{"alice.json", fsnotify.Rename, alice},
		{"alice.json", fsnotify.Write | fsnotify.Chmod, alice},
		{"alice.json", fsnotify.Chmod, nothing},
		{"名前.json", fsnotify.Write, want{users: []string{"名前"}}},
		{"a.json.json", fsnotify.Write, want{users: []string{"a.json"}}},

		// the package's own temporary and lock files
		{".fixiecreds-tmp-ABCDEF", fsnotify.Create, nothing},
		{".fixiecreds-tmp-ABCDEF", fsnotify.Write, nothing},
		{".fixiecreds-tmp-ABCDEF", fsnotify.Rename, nothing},
		{".fixiecreds-tmp-ABCDEF", fsnotify.Remove, nothing},
		{".fixiecreds-lock", fsnotify.Create, nothing},
		{".fixiecreds-tmp-x.json", fsnotify.Rename, nothing},
		// a marker given up: its late write, its removal (see marker)
		{".fixiecreds-sync-123", fsnotify.Write, nothing},
		{".fixiecreds-sync-123", fsnotify.Remove, nothing},

		// a Kubernetes Secret volume update
		{"..2026_11_28_10_00_00.1", fsnotify.Create, all},
		{"..data_tmp", fsnotify.Create, all},
		{"..data_tmp", fsnotify.Rename, all},
		{"..data", fsnotify.Create, all},
		{"..2026_11_28_09_00_00.7", fsnotify.Remove, all},
		{"..data", fsnotify.Chmod, nothing},

		// editors' and other programs' names, and names of no user
		{".alice.json.swp", fsnotify.Create, all},
		{"alice.json~", fsnotify.Rename, all},
		{"alice.json.tmp", fsnotify.Rename, all},
		{"4913", fsnotify.Create, all},
		{".json", fsnotify.Write, all},
		{"..json", fsnotify.Write, all},
		{"alice.JSON", fsnotify.Write, all},
		{"a\x01b.json", fsnotify.Write, all},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.name, tt.op), func(t *testing.T) {
			s := &dirStore{dir: dir}
			feed := &fakeFeed{}
			s.dispatch(feed, fsnotify.Event{Name: filepath.Join(dir, tt.name), Op: tt.op})
			assert.Equal(t, tt.want.users, feed.changedUsers, "users dropped")
			assert.Equal(t, tt.want.all, feed.all, "times everything was dropped")
			assert.Empty(t, feed.on, "reporting state changed")
		})
	}
}

// TestWatchWrites: another program replaces alice's record, in the ways
// programs and editors do; Verify follows the disk. Where every event is
// on alice.json or on the package's own temporary files, bob stays in
// memory.
func TestWatchWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// write replaces dir/alice.json with rec; outside is another
		// directory on the same file system.
		write     func(t *testing.T, dir, outside string, rec []byte)
		onlyAlice bool
	}{
		{"in place", func(t *testing.T, dir, _ string, rec []byte) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "alice.json"), rec, 0o600))
		}, true},
		{"our temp renamed over", func(t *testing.T, dir, _ string, rec []byte) {
			tmp := filepath.Join(dir, tempPrefix+"another-process")
			require.NoError(t, os.WriteFile(tmp, rec, 0o600))
			require.NoError(t, os.Rename(tmp, filepath.Join(dir, "alice.json")))
		}, true},
		{"dot temp renamed over", func(t *testing.T, dir, _ string, rec []byte) {
			tmp := filepath.Join(dir, ".alice.json.swx")
			require.NoError(t, os.WriteFile(tmp, rec, 0o600))
			require.NoError(t, os.Rename(tmp, filepath.Join(dir, "alice.json")))
		}, false},
		{"temp renamed over", func(t *testing.T, dir, _ string, rec []byte) {
			tmp := filepath.Join(dir, "alice.json.tmp")
			require.NoError(t, os.WriteFile(tmp, rec, 0o600))
			require.NoError(t, os.Rename(tmp, filepath.Join(dir, "alice.json")))
		}, false},
		{"temp outside renamed in", func(t *testing.T, dir, outside string, rec []byte) {
			tmp := filepath.Join(outside, "alice.json")
			require.NoError(t, os.WriteFile(tmp, rec, 0o600))
			require.NoError(t, os.Rename(tmp, filepath.Join(dir, "alice.json")))
		}, true},
		{"backup renamed away then written", func(t *testing.T, dir, _ string, rec []byte) {
			path := filepath.Join(dir, "alice.json")
			require.NoError(t, os.Rename(path, path+"~"))
			require.NoError(t, os.WriteFile(path, rec, 0o600))
			require.NoError(t, os.Remove(path+"~"))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, outside := t.TempDir(), t.TempDir()
			writeOther(t, dir, "alice", tokA)
			writeOther(t, dir, "bob", tokA)
			c, cs := newCountingCache(t, dir)
			require.True(t, accepts(c, "alice", tokA))
			require.True(t, accepts(c, "bob", tokA))

			tt.write(t, dir, outside, recordFor(t, "alice", tokB))
			waitFor(t, "alice's new token to work", func() bool {
				return accepts(c, "alice", tokB) && rejects(c, "alice", tokA)
			})
			assert.True(t, rejects(c, "alice", tokC))
			assert.True(t, accepts(c, "bob", tokA))
			if tt.onlyAlice {
				drainEvents(t, c)
				assert.True(t, accepts(c, "bob", tokA))
				assert.Equal(t, 1, cs.readsOf("bob"), "bob's record read again")
			}
		})
	}
}

// TestWatchMoves: mv into, out of and within the directory.
func TestWatchMoves(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (c *Cache, cs *countingStore, dir, outside string) {
		dir, outside = t.TempDir(), t.TempDir()
		writeOther(t, dir, "alice", tokA)
		writeOther(t, dir, "bob", tokB)
		c, cs = newCountingCache(t, dir)
		require.True(t, accepts(c, "alice", tokA))
		require.True(t, accepts(c, "bob", tokB))
		require.True(t, unregistered(c, "carol"))
		return c, cs, dir, outside
	}

	t.Run("in", func(t *testing.T) {
		t.Parallel()
		c, _, dir, outside := setup(t)
		writeOther(t, outside, "carol", tokA)
		require.NoError(t, os.Rename(filepath.Join(outside, "carol.json"), filepath.Join(dir, "carol.json")))
		waitFor(t, "carol, cached as unknown, to be registered", func() bool { return accepts(c, "carol", tokA) })
		assert.True(t, rejects(c, "carol", tokC))
	})

	t.Run("out", func(t *testing.T) {
		t.Parallel()
		c, cs, dir, outside := setup(t)
		require.NoError(t, os.Rename(filepath.Join(dir, "alice.json"), filepath.Join(outside, "alice.json")))
		waitFor(t, "alice to be gone", func() bool { return unregistered(c, "alice") })
		assert.False(t, accepts(c, "alice", tokA))
		drainEvents(t, c)
		assert.True(t, accepts(c, "bob", tokB))
		assert.Equal(t, 1, cs.readsOf("bob"), "bob's record read again")
	})

	t.Run("within", func(t *testing.T) {
		t.Parallel()
		c, _, dir, _ := setup(t)
		alice := filepath.Join(dir, "alice.json")
		require.NoError(t, os.Rename(alice, alice+".bak"))
		waitFor(t, "alice to be gone", func() bool { return unregistered(c, "alice") })
		require.NoError(t, os.Rename(alice+".bak", alice))
		waitFor(t, "alice to be back", func() bool { return accepts(c, "alice", tokA) })

		// bob's record under carol's name names bob: carol's record is
		// unusable, and never cached.
		require.NoError(t, os.Rename(filepath.Join(dir, "bob.json"), filepath.Join(dir, "carol.json")))
		// The rename is two events, one for each name; carol was cached
		// as unknown by setup.
		waitFor(t, "bob to be gone and carol no longer unknown", func() bool {
			return unregistered(c, "bob") && !knownAbsent(c, "carol")
		})
		for range 3 {
			ok, err := c.Verify("carol", tokB)
			assert.False(t, ok)
			assert.ErrorIs(t, err, errBadRecord)
			asUser, asUnknown := cached(c, "carol")
			assert.False(t, asUser || asUnknown, "an unusable record was cached")
		}
	})
}

func TestWatchDeleteWhileOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c := newTestCacheIn(t, dir)
	require.True(t, accepts(c, "alice", tokA))

	f, err := os.Open(filepath.Join(dir, "alice.json"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.Remove(filepath.Join(dir, "alice.json")))
	waitFor(t, "alice to be gone", func() bool { return unregistered(c, "alice") })
	assert.False(t, accepts(c, "alice", tokA))

	// The open file still holds the record; the cache does not care.
	var got bytes.Buffer
	_, err = got.ReadFrom(f)
	require.NoError(t, err)
	assert.Equal(t, string(recordFor(t, "alice", tokA)), got.String())
	assert.True(t, unregistered(c, "alice"))
}

// TestWatchChmodOnly: changes of attributes alone (mode, times, link
// count, the directory's own mode) reload nothing.
func TestWatchChmodOnly(t *testing.T) {
	t.Parallel()
	dir, outside := t.TempDir(), t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir)
	require.True(t, accepts(c, "alice", tokA))
	require.True(t, unregistered(c, "nobody"))
	// nobody was read, unless the names were listed first.
	nobody := cs.readsOf("nobody")

	path := filepath.Join(dir, "alice.json")
	require.NoError(t, os.Chmod(path, 0o400))
	require.NoError(t, os.Chmod(path, 0o600))
	long := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(path, long, long))
	require.NoError(t, os.Link(path, filepath.Join(outside, "alice-link")))
	require.NoError(t, os.Chmod(dir, 0o750))
	require.NoError(t, os.Chmod(dir, 0o700))
	drainEvents(t, c)

	assert.True(t, accepts(c, "alice", tokA))
	assert.True(t, unregistered(c, "nobody"))
	assert.Equal(t, 1, cs.readsOf("alice"), "alice's record read again")
	assert.Equal(t, nobody, cs.readsOf("nobody"), "nobody's absence checked again")
}

// TestWatchTruncateThenPartialWrite: another program truncates alice's
// record, then writes the new one in two parts. In between Verify answers
// as the old record would or with an error, never accepts a token that
// neither record allows, and never caches the incomplete record.
func TestWatchTruncateThenPartialWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
	}{
		{"notified", nil},
		{"polling", []Option{WithWatch(false), WithPollInterval(5 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeOther(t, dir, "alice", tokA)
			c := newTestCacheIn(t, dir, tt.opts...)
			require.True(t, accepts(c, "alice", tokA))

			// midway checks every answer while the record is incomplete
			// and reports whether the cache has seen that it is: it then
			// answers with an error, having read the disk.
			midway := func() (noticed bool) {
				t.Helper()
				okA, errA := c.Verify("alice", tokA)
				require.True(t, okA == (errA == nil), "old token: got (%v, %v), want the old answer or an error", okA, errA)
				for _, token := range []string{tokB, tokC} {
					ok, err := c.Verify("alice", token)
					require.False(t, ok, "a token accepted before its record is complete")
					if err != nil {
						require.ErrorIs(t, err, errBadRecord)
					}
				}
				if errA != nil {
					require.ErrorIs(t, errA, errBadRecord)
				}
				return errA != nil
			}

			f, err := os.OpenFile(filepath.Join(dir, "alice.json"), os.O_WRONLY|os.O_TRUNC, 0)
			require.NoError(t, err)
			defer f.Close()
			waitFor(t, "the empty record to be noticed", midway)

			rec := recordFor(t, "alice", tokB)
			_, err = f.Write(rec[:len(rec)/2])
			require.NoError(t, err)
			for range 50 {
				require.True(t, midway(), "the incomplete record was cached")
			}

			_, err = f.Write(rec[len(rec)/2:])
			require.NoError(t, err)
			require.NoError(t, f.Close())
			waitFor(t, "the new record", func() bool { return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) })
			assert.True(t, rejects(c, "alice", tokC))
		})
	}
}

// TestWatchPartialWritesRace: a writer keeps rewriting alice's record in
// place, in pieces, between two records, while readers verify. No answer
// accepts a token neither record allows; an error is only ever an
// unusable record (the file always exists).
func TestWatchPartialWritesRace(t *testing.T) {
	t.Parallel()
	for _, watch := range []bool{true, false} {
		t.Run(fmt.Sprintf("watch=%v", watch), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeOther(t, dir, "alice", tokA)
			c := newTestCacheIn(t, dir, WithWatch(watch), WithPollInterval(time.Millisecond))
			recs := [][]byte{recordFor(t, "alice", tokA), recordFor(t, "alice", tokB)}

			done := make(chan struct{})
			var writer sync.WaitGroup
			writer.Go(func() {
				defer close(done)
				for i := range 200 {
					rec := recs[i%2]
					f, err := os.OpenFile(filepath.Join(dir, "alice.json"), os.O_WRONLY|os.O_TRUNC, 0)
					if !assert.NoError(t, err) {
						return
					}
					for _, part := range bytes.SplitAfter(rec, []byte(",")) {
						_, err = f.Write(part)
						assert.NoError(t, err)
						runtime.Gosched()
					}
					assert.NoError(t, f.Close())
				}
			})
			var readers sync.WaitGroup
			for range 2 {
				readers.Go(func() {
					for {
						select {
						case <-done:
							return
						default:
						}
						for _, token := range []string{tokA, tokB, tokC} {
							ok, err := c.Verify("alice", token)
							if err != nil {
								assert.ErrorIs(t, err, errBadRecord)
							}
							assert.False(t, ok && token == tokC, "accepted a token no record allows")
						}
						runtime.Gosched() // let the writer on, even on one P
					}
				})
			}
			writer.Wait()
			readers.Wait()
			// The writer ended on tokB's record.
			waitFor(t, "the last record", func() bool { return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) })
		})
	}
}

// kubelet updates a directory as the kubelet updates a Secret volume:
// the files live in a timestamped directory, "..data" is a relative
// symbolic link to it, and each "<name>" is a relative symbolic link to
// "..data/<name>".
type kubelet struct {
	t     testing.TB
	dir   string
	n     int
	cur   string
	files map[string]bool
}

// publish makes files the volume's content, in the kubelet's order.
func (k *kubelet) publish(files map[string][]byte) {
	t := k.t
	t.Helper()
	k.n++
	ts := fmt.Sprintf("..2026_11_28_10_%02d_00.%d", k.n, 1000+k.n)
	require.NoError(t, os.Mkdir(filepath.Join(k.dir, ts), 0o755))
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(k.dir, ts, name), data, 0o644))
	}
	require.NoError(t, os.Symlink(ts, filepath.Join(k.dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(k.dir, "..data_tmp"), filepath.Join(k.dir, "..data")))
	for name := range files {
		if !k.files[name] {
			require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(k.dir, name)))
		}
	}
	for name := range k.files {
		if _, ok := files[name]; !ok {
			require.NoError(t, os.Remove(filepath.Join(k.dir, name)))
		}
	}
	if k.cur != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(k.dir, k.cur)))
	}
	k.cur = ts
	k.files = map[string]bool{}
	for name := range files {
		k.files[name] = true
	}
}

func TestWatchKubernetesSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := &kubelet{t: t, dir: dir}
	rec := func(user, token string) []byte { return recordFor(t, user, token) }
	k.publish(map[string][]byte{
		"alice.json": rec("alice", tokA),
		"bob.json":   rec("bob", tokB),
		"dave.json":  rec("dave", tokA),
	})
	c := newTestCacheIn(t, dir)
	require.True(t, accepts(c, "alice", tokA))
	require.True(t, accepts(c, "bob", tokB))
	require.True(t, accepts(c, "dave", tokA))
	require.True(t, unregistered(c, "carol"))

	// alice's token changes, bob's stays, carol arrives, dave leaves.
	k.publish(map[string][]byte{
		"alice.json": rec("alice", tokB),
		"bob.json":   rec("bob", tokB),
		"carol.json": rec("carol", tokA),
	})
	waitFor(t, "the first update", func() bool {
		return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) &&
			accepts(c, "bob", tokB) &&
			accepts(c, "carol", tokA) &&
			unregistered(c, "dave")
	})
	assert.True(t, c.memo.trusted.Load(), "watching")

	// The watch lives on: a second update is seen as well.
	k.publish(map[string][]byte{
		"alice.json": rec("alice", tokA),
		"carol.json": rec("carol", tokB),
	})
	waitFor(t, "the second update", func() bool {
		return accepts(c, "alice", tokA) && rejects(c, "alice", tokB) &&
			unregistered(c, "bob") &&
			accepts(c, "carol", tokB) && rejects(c, "carol", tokA)
	})
	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "carol"}, users)
}

// TestWatchDirRemovedAndRecreated: while the directory is gone nothing
// is accepted; once it is back the cache watches it again.
func TestWatchDirRemovedAndRecreated(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	dir := filepath.Join(t.TempDir(), "creds")
	require.NoError(t, os.Mkdir(dir, 0o700))
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir, WithPollInterval(poll))
	require.True(t, c.memo.trusted.Load())
	require.True(t, accepts(c, "alice", tokA))

	require.NoError(t, os.RemoveAll(dir))
	waitFor(t, "the watch to be lost", func() bool { return !c.memo.trusted.Load() })
	ok, err := c.Verify("alice", tokA)
	assert.False(t, ok, "accepted a record that is gone")
	assert.Error(t, err)

	require.NoError(t, os.Mkdir(dir, 0o700))
	writeOther(t, dir, "alice", tokB)
	waitFor(t, "the watch to be back", c.memo.trusted.Load)
	waitFor(t, "the new record", func() bool { return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) })
	requireNotified(t, c, cs, dir, poll)
}

// waitCaughtUp waits until the feed has proved, on the cache's clock,
// that it caught up within the trust window: after the test clock jumps
// ahead, entries are trusted again only from then on.
func waitCaughtUp(t *testing.T, c *Cache) {
	t.Helper()
	waitFor(t, "the feed to catch up", func() bool {
		return c.memo.now()-c.memo.caughtUp.Load() < int64(c.memo.window)
	})
}

// requireNotified shows that the cache is watching dir, not polling: a
// cached record is not read again after poll has passed, and a change is
// still seen.
func requireNotified(t *testing.T, c *Cache, cs *countingStore, dir string, poll time.Duration) {
	t.Helper()
	// A late event of the watch given up may still make the cache
	// watch anew, and read again once: so the cache must, at some
	// point, serve alice from memory past the poll interval. A cache
	// that polls never does.
	waitFor(t, "alice served from memory past the poll interval", func() bool {
		drainEvents(t, c)
		cacheNow(t, c, cs, "alice")
		reads := cs.readsOf("alice")
		cs.clock.advance(3 * poll)
		waitCaughtUp(t, c)
		for range 10 {
			_, err := c.Verify("alice", tokC)
			require.NoError(t, err)
		}
		return reads == cs.readsOf("alice")
	})

	writeOther(t, dir, "alice", tokA)
	waitFor(t, "a change after the watch came back", func() bool {
		return accepts(c, "alice", tokA) && rejects(c, "alice", tokB)
	})
}

// TestWatchDirReplaced: the directory is renamed away and another put in
// its place; the cache follows the path.
func TestWatchDirReplaced(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	parent := t.TempDir()
	dir := filepath.Join(parent, "creds")
	require.NoError(t, os.Mkdir(dir, 0o700))
	writeOther(t, dir, "alice", tokA)
	writeOther(t, dir, "bob", tokA)
	c, cs := newCountingCache(t, dir, WithPollInterval(poll))
	require.True(t, accepts(c, "alice", tokA))
	require.True(t, accepts(c, "bob", tokA))

	next := filepath.Join(parent, "creds.new")
	require.NoError(t, os.Mkdir(next, 0o700))
	writeOther(t, next, "alice", tokB)
	old := filepath.Join(parent, "creds.old")
	require.NoError(t, os.Rename(dir, old))
	require.NoError(t, os.Rename(next, dir))

	// The cached entries were trusted: only the watcher could drop them.
	waitFor(t, "the new directory's records", func() bool {
		return accepts(c, "alice", tokB) && rejects(c, "alice", tokA) && unregistered(c, "bob")
	})
	waitFor(t, "the watch on the new directory", c.memo.trusted.Load)

	// The old directory is no longer watched.
	drainEvents(t, c)
	cacheNow(t, c, cs, "alice")
	reads := cs.readsOf("alice")
	writeOther(t, old, "alice", tokA)
	drainEvents(t, c)
	require.True(t, accepts(c, "alice", tokB))
	assert.Equal(t, reads, cs.readsOf("alice"), "a change in the old directory dropped alice")

	requireNotified(t, c, cs, dir, poll)
}

// TestWatchAncestorRenamed: a directory above the credentials directory
// is renamed and another put in its place. inotify reports nothing (the
// watched directory itself did not move); the cache must still follow the
// path within the poll interval.
func TestWatchAncestorRenamed(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	parent := t.TempDir()
	dir := filepath.Join(parent, "app", "creds")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir, WithPollInterval(poll))
	require.True(t, accepts(c, "alice", tokA))

	require.NoError(t, os.Rename(filepath.Join(parent, "app"), filepath.Join(parent, "app.old")))
	require.NoError(t, os.MkdirAll(dir, 0o700))
	writeOther(t, dir, "alice", tokB)
	waitFor(t, "the new directory's record", func() bool {
		return accepts(c, "alice", tokB) && rejects(c, "alice", tokA)
	})
	waitFor(t, "the watch on the new directory", c.memo.trusted.Load)
	requireNotified(t, c, cs, dir, poll)
}

// TestWatchSymlinkedDirSwapped: the credentials directory is a symbolic
// link, swapped atomically to another directory (a deployment's
// "current -> releases/N"). inotify reports nothing on the directory
// watched; the cache must still follow the path within the poll interval.
func TestWatchSymlinkedDirSwapped(t *testing.T) {
	t.Parallel()
	const poll = 20 * time.Millisecond
	parent := t.TempDir()
	rel1, rel2 := filepath.Join(parent, "releases", "1"), filepath.Join(parent, "releases", "2")
	require.NoError(t, os.MkdirAll(rel1, 0o700))
	require.NoError(t, os.MkdirAll(rel2, 0o700))
	writeOther(t, rel1, "alice", tokA)
	writeOther(t, rel2, "alice", tokB)
	dir := filepath.Join(parent, "current")
	require.NoError(t, os.Symlink(filepath.Join("releases", "1"), dir))
	c, cs := newCountingCache(t, dir, WithPollInterval(poll))
	require.True(t, accepts(c, "alice", tokA))

	require.NoError(t, os.Symlink(filepath.Join("releases", "2"), dir+".tmp"))
	require.NoError(t, os.Rename(dir+".tmp", dir))
	waitFor(t, "the new release's record", func() bool {
		return accepts(c, "alice", tokB) && rejects(c, "alice", tokA)
	})
	waitFor(t, "the watch on the new release", c.memo.trusted.Load)
	requireNotified(t, c, cs, rel2, poll)
}

// TestWatchErrors: an overflow, or any other watcher error, may hide
// changes: every entry is dropped. After an overflow watching goes on;
// after another error the cache polls until it has watched anew.
func TestWatchErrors(t *testing.T) {
	t.Parallel()
	for _, werr := range []error{fsnotify.ErrEventOverflow, errors.New("test: inotify read failed")} {
		t.Run(werr.Error(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeOther(t, dir, "alice", tokA)
			writeOther(t, dir, "bob", tokB)
			f := &watcherFactory{}
			var logs syncBuffer
			c, cs := newCountingCache(t, dir, f.option(), WithPollInterval(20*time.Millisecond),
				WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			// Once watching, so that no entry cached now is dropped when
			// the watch begins.
			waitFor(t, "the watch", c.memo.trusted.Load)
			require.True(t, accepts(c, "alice", tokA))
			require.True(t, accepts(c, "bob", tokB))
			waitListed(t, c)
			forgetNames(c) // so that nobody is cached as unknown
			require.True(t, unregistered(c, "nobody"))
			users, unknown := c.memo.sizes()
			require.Equal(t, 2, users)
			require.Equal(t, 1, unknown)

			injectError(t, f.only(t), werr)
			waitFor(t, "every entry dropped", func() bool {
				users, unknown := c.memo.sizes()
				return users == 0 && unknown == 0
			})
			if errors.Is(werr, fsnotify.ErrEventOverflow) {
				assert.True(t, c.memo.trusted.Load(), "still watching")
				assert.Contains(t, logs.String(), "overflowed")
			} else {
				waitFor(t, "polling until watching again", func() bool {
					return strings.Contains(logs.String(), "polling until watching again") &&
						strings.Contains(logs.String(), "watching for changes again")
				})
				waitFor(t, "watching anew", c.memo.trusted.Load)
			}
			assert.True(t, accepts(c, "alice", tokA))
			assert.Equal(t, 2, cs.readsOf("alice"))

			writeOther(t, dir, "alice", tokB)
			waitFor(t, "a change after the error", func() bool { return accepts(c, "alice", tokB) })
			assert.Equal(t, int64(1), f.calls.Load(), "watchers made")
		})
	}
}

// requirePolled shows the polling contract on alice, whose record holds
// tokA: a cached record is not read again within poll of being read, and
// a change is seen as soon as poll has passed since it was made.
func requirePolled(t *testing.T, c *Cache, cs *countingStore, dir string, poll time.Duration) {
	t.Helper()
	require.True(t, accepts(c, "alice", tokA))
	reads := cs.readsOf("alice")
	cs.clock.advance(poll - 1)
	for range 100 {
		require.True(t, accepts(c, "alice", tokA))
	}
	assert.Equal(t, reads, cs.readsOf("alice"), "record read again within the poll interval")

	writeOther(t, dir, "alice", tokB)
	assert.True(t, accepts(c, "alice", tokA), "the cached record, within the poll interval")
	cs.clock.advance(1)
	// The entry was read before the change: it is now stale.
	assert.True(t, accepts(c, "alice", tokB), "new record not seen a poll interval after the change")
	assert.True(t, rejects(c, "alice", tokA))
	writeOther(t, dir, "alice", tokA)
	cs.clock.advance(poll)
	assert.True(t, accepts(c, "alice", tokA))
}

// TestWatchCannotStart: without a watcher the cache polls, and it watches
// as soon as a watcher can be made.
func TestWatchCannotStart(t *testing.T) {
	t.Parallel()
	const poll = 100 * time.Millisecond
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	f := &watcherFactory{}
	f.fail.Store(true)
	c, cs := newCountingCache(t, dir, f.option(), WithPollInterval(poll))
	require.False(t, c.memo.trusted.Load())
	requirePolled(t, c, cs, dir, poll)
	assert.Positive(t, f.calls.Load())

	f.fail.Store(false)
	waitFor(t, "the watch", c.memo.trusted.Load)
	writeOther(t, dir, "alice", tokB)
	waitFor(t, "a notified change", func() bool { return accepts(c, "alice", tokB) })
	requireNotified(t, c, cs, dir, poll)
	f.only(t)
}

// TestWatchOff: WithWatch(false) polls, and never makes a watcher.
func TestWatchOff(t *testing.T) {
	t.Parallel()
	const poll = 100 * time.Millisecond
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	f := &watcherFactory{}
	c, cs := newCountingCache(t, dir, f.option(), WithWatch(false), WithPollInterval(poll))
	requirePolled(t, c, cs, dir, poll)
	assert.False(t, c.memo.trusted.Load())
	assert.Zero(t, f.calls.Load(), "watchers made")
}

// watchGoroutines returns the ids of the goroutines that a cache's watch
// or an fsnotify watcher started, known by where they were created: a
// goroutine that has not run yet shows only a wrapper function.
func watchGoroutines() map[string]bool {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	ids := map[string]bool{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "\ncreated by github.com/fixiecreds/fixiecreds/cache.(*dirStore).Watch in ") ||
			strings.Contains(g, "\ncreated by github.com/fsnotify/fsnotify.newBackend in ") {
			id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
			ids[id] = true
		}
	}
	return ids
}

// TestWatchClose: Close ends every goroutine the cache started, whatever
// state watching is in; it is idempotent; everything after it is
// ErrClosed. Not parallel: it counts goroutines.
func TestWatchClose(t *testing.T) {
	tests := []struct {
		name       string
		opts       func(f *watcherFactory) []Option
		after      func(t *testing.T, dir string)
		goroutines int
	}{
		{"watching", nil, nil, 2},
		{"cannot watch", func(f *watcherFactory) []Option {
			f.fail.Store(true)
			return []Option{f.option(), WithPollInterval(time.Millisecond)}
		}, nil, 1},
		{"directory gone", func(*watcherFactory) []Option {
			return []Option{WithPollInterval(time.Millisecond)}
		}, func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(dir))
		}, 2},
		{"not watching", func(*watcherFactory) []Option {
			return []Option{WithWatch(false)}
		}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "creds")
			before := watchGoroutines()
			var opts []Option
			if tt.opts != nil {
				opts = tt.opts(&watcherFactory{})
			}
			c, err := New(dir, append([]Option{WithLogger(quietLog)}, opts...)...)
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			token, err := c.Register("alice", "alice@example.org")
			require.NoError(t, err)
			if tt.after != nil {
				tt.after(t, dir)
				waitFor(t, "the watch to be lost", func() bool { return !c.memo.trusted.Load() })
			}

			ours := map[string]bool{}
			for id := range watchGoroutines() {
				if !before[id] {
					ours[id] = true
				}
			}
			require.Len(t, ours, tt.goroutines, "goroutines started")

			require.NoError(t, c.Close())
			require.NoError(t, c.Close(), "Close is idempotent")
			waitFor(t, "the goroutines to end", func() bool {
				now := watchGoroutines()
				for id := range ours {
					if now[id] {
						return false
					}
				}
				return true
			})

			_, err = c.Verify("alice", token)
			assert.ErrorIs(t, err, ErrClosed, "Verify")
			_, err = c.GetUser("alice")
			assert.ErrorIs(t, err, ErrClosed, "GetUser")
			_, err = c.LoadUser("alice")
			assert.ErrorIs(t, err, ErrClosed, "LoadUser")
			_, err = c.UserExists("alice")
			assert.ErrorIs(t, err, ErrClosed, "UserExists")
			_, err = c.Users()
			assert.ErrorIs(t, err, ErrClosed, "Users")
			_, err = c.Register("bob", "bob@example.org")
			assert.ErrorIs(t, err, ErrClosed, "Register")
			_, err = c.Reset("alice", "alice@example.org")
			assert.ErrorIs(t, err, ErrClosed, "Reset")
			assert.ErrorIs(t, c.Deregister("alice", token), ErrClosed, "Deregister")
			assert.ErrorIs(t, c.WriteUser("bob", "bob@example.org", strings.Repeat("0", 64)), ErrClosed, "WriteUser")
			assert.ErrorIs(t, c.RemoveUser("alice"), ErrClosed, "RemoveUser")
		})
	}
}

// TestWatchHotPath: while notifications work, verifying a cached user or
// a name cached as unknown touches no store, allocates nothing, and does
// not depend on the clock. Not parallel: AllocsPerRun counts every
// goroutine's allocations.
func TestWatchHotPath(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	// A long poll interval: an entry read once not watching stays fresh,
	// and the watch loop has nothing to do while allocations are counted.
	c, cs := newCountingCache(t, dir, WithPollInterval(time.Hour))
	require.True(t, c.memo.trusted.Load())
	waitCaughtUp(t, c)
	waitListed(t, c)
	reads := func() int { return cs.readsOf("alice") + cs.readsOf("nobody") }

	verifyAll := func() {
		ok, err := c.Verify("alice", tokA)
		if !ok || err != nil {
			t.Errorf("alice, right token: got (%v, %v), want (true, nil)", ok, err)
		}
		ok, err = c.Verify("alice", tokB)
		if ok || err != nil {
			t.Errorf("alice, wrong token: got (%v, %v), want (false, nil)", ok, err)
		}
		ok, err = c.Verify("alice", "not hex")
		if ok || err != nil {
			t.Errorf("alice, malformed token: got (%v, %v), want (false, nil)", ok, err)
		}
		ok, err = c.Verify("nobody", tokA)
		if ok || err != ErrNotRegistered {
			t.Errorf("unknown name: got (%v, %v), want (false, ErrNotRegistered)", ok, err)
		}
	}
	verifyAll()
	calls := reads()
	require.Equal(t, 1, calls, "reads to cache alice; nobody is not among the names listed")

	for range 1000 {
		verifyAll()
	}
	assert.Zero(t, testing.AllocsPerRun(1000, verifyAll), "allocations per run")
	assert.Equal(t, calls, reads(), "store calls on the hot path")

	// Entries that the clock would call ancient are still served: while
	// the feed keeps catching up, their age does not matter.
	c.memo.setRead("alice", -1<<62)
	c.memo.setRead("nobody", -1<<62)
	for range 100 {
		verifyAll()
	}
	assert.Equal(t, calls, reads(), "store calls for entries the clock calls stale")

	// Without notifications the same entries are checked again.
	c.memo.Reporting(false)
	verifyAll()
	assert.Equal(t, calls+2, reads(), "store calls once not watching")
}

// TestWatchIgnoresEventOfReplacedWatch: when the directory is renamed
// away and another put in its place, the periodic check may watch the
// new one before the old watch's event, queued earlier, is handled. That
// event must not take down the new watch.
func TestWatchIgnoresEventOfReplacedWatch(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "creds")
	require.NoError(t, os.Mkdir(dir, 0o700))
	s := newDirStore(dir, defaultConfig())
	feed := &fakeFeed{}
	d := &dirWatch{s: s, feed: feed, poll: time.Hour, window: time.Hour, served: s.addServed(), retry: time.NewTimer(time.Hour)}
	d.start()
	t.Cleanup(func() {
		d.retry.Stop()
		d.setHealthy(false)
		d.dropMark()
		if d.w != nil {
			d.w.Close()
		}
	})
	require.True(t, d.healthy, "the directory watched")

	require.NoError(t, os.Rename(dir, filepath.Join(parent, "creds.old")))
	require.NoError(t, os.Mkdir(dir, 0o700))
	d.check()
	require.True(t, d.healthy, "the new directory watched")
	reports := len(feed.on)

	d.event(fsnotify.Event{Name: dir, Op: fsnotify.Rename})
	assert.True(t, d.healthy, "the old watch's late event took down the new one")
	assert.Len(t, feed.on, reports, "the feed told of a loss")

	require.NoError(t, os.Rename(dir, filepath.Join(parent, "creds.gone")))
	d.event(fsnotify.Event{Name: dir, Op: fsnotify.Rename})
	assert.False(t, d.healthy, "the directory watched renamed away")
	assert.Equal(t, []bool{false}, feed.on[reports:], "the feed told of the loss")
}
