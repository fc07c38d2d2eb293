package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Harness tells [Run] how to make the stores under test.
type Harness struct {
	// Open returns a handle on new, empty storage, and a function that
	// opens another handle on the same storage each time it is called (a
	// directory store on the same path, an etcd store on its own client),
	// as another process would. Required.
	Open func(t *testing.T) (s cache.Store, another func() cache.Store)

	// Poll is the poll interval given to Watch.
	// Optional. Default 200 ms.
	Poll time.Duration

	// Window is the trust window given to Watch. Optional. Default
	// Poll/4.
	Window time.Duration

	// Disrupt, if not nil, cuts s's change feed off from its source (a
	// directory moved away, a connection cut) and returns a function
	// that ends the disruption. Run then checks that the feed stops
	// reporting, and that once the disruption ends it reports again,
	// having reported every change made meanwhile through another handle.
	// Optional.
	Disrupt func(t *testing.T, s cache.Store) (restore func())
}

// deadline bounds every wait for the store: long enough for a loaded
// machine, and only reached when the store breaks its contract.
const deadline = 15 * time.Second

// Run checks the store that h makes against the contract of
// [cache.Store]: reads, atomic creation under a race across handles,
// compare-and-swap conflicts and races, Put, Remove, List, contexts that
// have ended, and a change feed that reports every change made through
// another handle, proves it caught up only after reporting what came
// before, reports loss, and makes no call once stopped. Each
// check is a subtest on new, empty storage.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.Open, "Harness.Open")
	if h.Poll <= 0 {
		h.Poll = 200 * time.Millisecond
	}
	if h.Window <= 0 {
		h.Window = h.Poll / 4
	}
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"ReadAbsent", testReadAbsent},
		{"CreateRead", testCreateRead},
		{"CreateExisting", testCreateExisting},
		{"CreateRace", testCreateRace},
		{"CompareAndSwap", testCompareAndSwap},
		{"CompareAndSwapRace", testCompareAndSwapRace},
		{"Put", testPut},
		{"Remove", testRemove},
		{"List", testList},
		{"EndedContext", testEndedContext},
		{"InvalidNames", testInvalidNames},
		{"Feed", testFeed},
		{"CaughtUp", testCaughtUp},
		{"FeedStop", testFeedStop},
		{"FeedLoss", testFeedLoss},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

// record returns a credentials record for user, distinct for each n. A
// store never reads what a record holds.
func record(user string, n int) []byte {
	return fmt.Appendf(nil, `{"email":"a@example.org","hashed_token":"%064x","user":%s}`, n, strconv.QuoteToASCII(user))
}

func bg() context.Context { return context.Background() }

func testReadAbsent(t *testing.T, h Harness) {
	s, _ := h.Open(t)
	_, err := s.Read(bg(), "alice")
	assert.ErrorIs(t, err, cache.ErrNotRegistered)
}

func testCreateRead(t *testing.T, h Harness) {
	s, another := h.Open(t)
	for i, user := range []string{"alice", "名前", "o'brien@x"} {
		require.NoError(t, s.Create(bg(), user, record(user, i)), user)
		for _, r := range []cache.Store{s, another()} {
			got, err := r.Read(bg(), user)
			require.NoError(t, err, user)
			assert.Equal(t, string(record(user, i)), string(got.Data), user)
		}
	}
}

func testCreateExisting(t *testing.T, h Harness) {
	s, another := h.Open(t)
	require.NoError(t, s.Create(bg(), "alice", record("alice", 1)))
	err := another().Create(bg(), "alice", record("alice", 2))
	assert.ErrorIs(t, err, cache.ErrAlreadyRegistered)
	got, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	assert.Equal(t, string(record("alice", 1)), string(got.Data), "the first record was replaced")
}

// testCreateRace: goroutines on several handles create one name at once;
// exactly one wins, and its record is the one stored.
func testCreateRace(t *testing.T, h Harness) {
	s, another := h.Open(t)
	handles := []cache.Store{s, another(), another()}
	for round := range 3 {
		user := "racer" + strconv.Itoa(round)
		const n = 12
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = handles[i%len(handles)].Create(bg(), user, record(user, i)) })
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "%s: creates %d and %d both succeeded", user, winner, i)
				winner = i
				continue
			}
			require.ErrorIs(t, err, cache.ErrAlreadyRegistered, "%s: create %d", user, i)
		}
		require.NotEqual(t, -1, winner, "%s: no create succeeded", user)
		got, err := another().Read(bg(), user)
		require.NoError(t, err)
		assert.Equal(t, string(record(user, winner)), string(got.Data), "%s: stored record is not the winner's", user)
	}
}

func testCompareAndSwap(t *testing.T, h Harness) {
	s, another := h.Open(t)
	other := another()
	err := s.CompareAndSwap(bg(), "alice", cache.Version("none"), record("alice", 1))
	assert.ErrorIs(t, err, cache.ErrConflict, "swap of a missing record")

	require.NoError(t, s.Create(bg(), "alice", record("alice", 1)))
	v1, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	require.NoError(t, other.CompareAndSwap(bg(), "alice", v1.Version, record("alice", 2)))

	err = s.CompareAndSwap(bg(), "alice", v1.Version, record("alice", 3))
	assert.ErrorIs(t, err, cache.ErrConflict, "swap from a version that was replaced")
	v2, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	assert.Equal(t, string(record("alice", 2)), string(v2.Data))
	assert.NotEqual(t, v1.Version, v2.Version, "two contents, one version")

	err = s.CompareAndSwap(bg(), "alice", v1.Version, nil)
	assert.ErrorIs(t, err, cache.ErrConflict, "removal from a version that was replaced")
	require.NoError(t, s.CompareAndSwap(bg(), "alice", v2.Version, nil), "removal")
	_, err = other.Read(bg(), "alice")
	assert.ErrorIs(t, err, cache.ErrNotRegistered, "after removal")
	err = s.CompareAndSwap(bg(), "alice", v2.Version, record("alice", 4))
	assert.ErrorIs(t, err, cache.ErrConflict, "swap of a removed record")
	_, err = s.Read(bg(), "alice")
	assert.ErrorIs(t, err, cache.ErrNotRegistered, "a failed swap made a record")
}

// testCompareAndSwapRace: goroutines on several handles each add one to a
// counter held in a record, reading and swapping until they succeed; no
// increment is lost.
func testCompareAndSwapRace(t *testing.T, h Harness) {
	s, another := h.Open(t)
	handles := []cache.Store{s, another(), another()}
	require.NoError(t, s.Create(bg(), "counter", record("counter", 0)))
	const workers, each = 6, 8
	var wg sync.WaitGroup
	for w := range workers {
		st := handles[w%len(handles)]
		wg.Go(func() {
			for range each {
				for {
					rec, err := st.Read(bg(), "counter")
					if !assert.NoError(t, err) {
						return
					}
					n := counterValue(t, rec.Data)
					err = st.CompareAndSwap(bg(), "counter", rec.Version, record("counter", n+1))
					if err == nil {
						break
					}
					if !assert.ErrorIs(t, err, cache.ErrConflict) {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	rec, err := s.Read(bg(), "counter")
	require.NoError(t, err)
	assert.Equal(t, workers*each, counterValue(t, rec.Data), "increments lost")
}

// counterValue reads n back from record("counter", n).
func counterValue(t *testing.T, data []byte) int {
	for n := range 1 << 10 {
		if string(data) == string(record("counter", n)) {
			return n
		}
	}
	t.Errorf("not a counter record: %q", data)
	return -1
}

func testPut(t *testing.T, h Harness) {
	s, another := h.Open(t)
	require.NoError(t, s.Put(bg(), "alice", record("alice", 1)), "put of a new record")
	v1, err := another().Read(bg(), "alice")
	require.NoError(t, err)
	assert.Equal(t, string(record("alice", 1)), string(v1.Data))
	require.NoError(t, another().Put(bg(), "alice", record("alice", 2)), "put over a record")
	v2, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	assert.Equal(t, string(record("alice", 2)), string(v2.Data))
	assert.NotEqual(t, v1.Version, v2.Version, "two contents, one version")
	err = s.CompareAndSwap(bg(), "alice", v1.Version, record("alice", 3))
	assert.ErrorIs(t, err, cache.ErrConflict, "swap from the version a put replaced")
}

func testRemove(t *testing.T, h Harness) {
	s, another := h.Open(t)
	assert.ErrorIs(t, s.Remove(bg(), "alice"), cache.ErrNotRegistered, "removal of a missing record")
	require.NoError(t, s.Create(bg(), "alice", record("alice", 1)))
	require.NoError(t, another().Remove(bg(), "alice"))
	_, err := s.Read(bg(), "alice")
	assert.ErrorIs(t, err, cache.ErrNotRegistered)
	assert.NoError(t, s.Create(bg(), "alice", record("alice", 2)), "create after removal")
}

func testList(t *testing.T, h Harness) {
	s, another := h.Open(t)
	users, err := s.List(bg())
	require.NoError(t, err)
	assert.Empty(t, users)
	want := []string{"alice", "bob", "名前", "zoë"}
	for i, user := range want {
		require.NoError(t, another().Create(bg(), user, record(user, i)))
	}
	require.NoError(t, s.Create(bg(), "carol", record("carol", 9)))
	require.NoError(t, s.Remove(bg(), "carol"))
	users, err = s.List(bg())
	require.NoError(t, err)
	slices.Sort(users)
	slices.Sort(want)
	assert.Equal(t, want, users)
}

// testEndedContext: every call with a context that has ended fails with
// the context's error and changes nothing.
func testEndedContext(t *testing.T, h Harness) {
	s, _ := h.Open(t)
	require.NoError(t, s.Create(bg(), "alice", record("alice", 1)))
	v, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	_, err = s.Read(ctx, "alice")
	assert.ErrorIs(t, err, context.Canceled, "Read")
	assert.ErrorIs(t, s.Create(ctx, "bob", record("bob", 1)), context.Canceled, "Create")
	assert.ErrorIs(t, s.Put(ctx, "alice", record("alice", 2)), context.Canceled, "Put")
	assert.ErrorIs(t, s.CompareAndSwap(ctx, "alice", v.Version, record("alice", 3)), context.Canceled, "CompareAndSwap")
	assert.ErrorIs(t, s.Remove(ctx, "alice"), context.Canceled, "Remove")
	_, err = s.List(ctx)
	assert.ErrorIs(t, err, context.Canceled, "List")

	got, err := s.Read(bg(), "alice")
	require.NoError(t, err)
	assert.Equal(t, string(record("alice", 1)), string(got.Data), "a call whose context had ended changed alice")
	_, err = s.Read(bg(), "bob")
	assert.ErrorIs(t, err, cache.ErrNotRegistered, "a Create whose context had ended made bob")
}

// testInvalidNames: a name the cache would refuse never reaches the
// storage, whoever calls the store.
func testInvalidNames(t *testing.T, h Harness) {
	s, _ := h.Open(t)
	for _, name := range []string{"", "../escape", "a/b", `a\b`, ".hidden", "nul\x00", "tab\t", "\xff", strings.Repeat("x", 251)} {
		_, err := s.Read(bg(), name)
		assert.ErrorIs(t, err, cache.ErrInvalidUser, "Read %q", name)
		assert.ErrorIs(t, s.Create(bg(), name, record("x", 1)), cache.ErrInvalidUser, "Create %q", name)
		assert.ErrorIs(t, s.Put(bg(), name, record("x", 1)), cache.ErrInvalidUser, "Put %q", name)
		assert.ErrorIs(t, s.CompareAndSwap(bg(), name, "v", nil), cache.ErrInvalidUser, "CompareAndSwap %q", name)
		assert.ErrorIs(t, s.Remove(bg(), name), cache.ErrInvalidUser, "Remove %q", name)
	}
	users, err := s.List(bg())
	require.NoError(t, err)
	assert.Empty(t, users, "a refused name was stored")
}

// testFeed: every kind of change made through another handle reaches the
// feed, as a change of its user or of everything.
func testFeed(t *testing.T, h Harness) {
	s, another := h.Open(t)
	other := another()
	f := watch(t, s, h)
	f.waitReporting(t, true)

	swap := func(user string, data []byte) error {
		rec, err := other.Read(bg(), user)
		if err != nil {
			return err
		}
		return other.CompareAndSwap(bg(), user, rec.Version, data)
	}
	steps := []struct {
		name, user string
		change     func() error
	}{
		{"create", "alice", func() error { return other.Create(bg(), "alice", record("alice", 1)) }},
		{"put", "alice", func() error { return other.Put(bg(), "alice", record("alice", 2)) }},
		{"compare-and-swap", "alice", func() error { return swap("alice", record("alice", 3)) }},
		{"remove", "alice", func() error { return other.Remove(bg(), "alice") }},
		{"create of another name", "名前", func() error { return other.Create(bg(), "名前", record("名前", 1)) }},
		{"removal by compare-and-swap", "名前", func() error { return swap("名前", nil) }},
	}
	for _, step := range steps {
		mark := f.mark()
		require.NoError(t, step.change(), step.name)
		f.waitChange(t, mark, step.user, step.name)
	}
}

// testCaughtUp: while reporting, the feed keeps proving that it caught
// up, and never claims to have caught up past a change made through
// another handle before reporting that change.
func testCaughtUp(t *testing.T, h Harness) {
	s, another := h.Open(t)
	other := another()
	f := watch(t, s, h)
	f.waitReporting(t, true)
	for i := range 20 {
		user := fmt.Sprintf("user%d", i)
		mark := f.mark()
		require.NoError(t, other.Create(bg(), user, record(user, 1)))
		made := time.Now()
		at := f.waitFor(t, "a CaughtUp past a change", func(calls []feedCall) int {
			for j := mark; j < len(calls); j++ {
				if calls[j].kind == "caughtup" && calls[j].at.After(made) {
					return j
				}
			}
			return -1
		})
		f.mu.Lock()
		reported := changedIn(f.calls[mark:at], user)
		f.mu.Unlock()
		require.True(t, reported, "CaughtUp at position %d is past the creation of %s, which was not reported before it", at, user)
	}
}

// testFeedStop: once stop returns, the feed gets no call, whatever
// changes; a second watch on the same storage shows the changes were
// there to report.
func testFeedStop(t *testing.T, h Harness) {
	s, another := h.Open(t)
	other := another()
	f := watch(t, s, h)
	f.waitReporting(t, true)
	f.stop()
	after := f.mark()

	witness := watch(t, another(), h)
	witness.waitReporting(t, true)
	mark := witness.mark()
	require.NoError(t, other.Create(bg(), "alice", record("alice", 1)))
	witness.waitChange(t, mark, "alice", "create after the first feed stopped")
	assert.Equal(t, after, f.mark(), "calls to a feed after its stop returned")
}

// testFeedLoss: a disrupted feed says it stops reporting, and says it
// reports again once the disruption ends, having reported the changes
// made meanwhile.
func testFeedLoss(t *testing.T, h Harness) {
	if h.Disrupt == nil {
		t.Skip("Harness.Disrupt is nil: the store's feed is never disrupted")
	}
	s, another := h.Open(t)
	other := another()
	require.NoError(t, other.Create(bg(), "alice", record("alice", 1)))
	f := watch(t, s, h)
	f.waitReporting(t, true)

	restore := h.Disrupt(t, s)
	off := f.waitReporting(t, false)
	lostAt := f.mark()
	// The change may fail where the disruption also cuts other handles
	// off (a directory moved away); if it succeeds, it must be reported.
	changed := other.Put(bg(), "alice", record("alice", 2)) == nil
	restore()
	back := f.waitReporting(t, true)
	f.mu.Lock()
	proofWhileOff := slices.ContainsFunc(f.calls[off:back], func(c feedCall) bool { return c.kind == "caughtup" })
	f.mu.Unlock()
	assert.False(t, proofWhileOff, "CaughtUp while the feed was not reporting")
	if changed {
		assert.True(t, f.changedBetween(lostAt, back, "alice"),
			"a change made while the feed was cut off was not reported before it reported again")
	}

	mark := f.mark()
	require.NoError(t, other.Put(bg(), "alice", record("alice", 3)))
	f.waitChange(t, mark, "alice", "put after the disruption ended")
}

// feedCall is one call a store made to a recorder.
type feedCall struct {
	kind string // "changed", "all", "reporting", "caughtup"
	user string
	on   bool
	at   time.Time
}

// recorder is a cache.Feed that records every call.
type recorder struct {
	mu    sync.Mutex
	calls []feedCall

	stopOnce sync.Once
	stopFn   func()
}

var _ cache.Feed = (*recorder)(nil)

// watch starts s's feed into a new recorder, stopped at the end of the
// test if not before.
func watch(t *testing.T, s cache.Store, h Harness) *recorder {
	t.Helper()
	f := &recorder{}
	f.stopFn = s.Watch(f, cache.FeedTiming{Poll: h.Poll, Window: h.Window})
	t.Cleanup(f.stop)
	return f
}

func (f *recorder) stop() { f.stopOnce.Do(f.stopFn) }

func (f *recorder) add(c feedCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// Changed implements cache.Feed.
func (f *recorder) Changed(user string) { f.add(feedCall{kind: "changed", user: user}) }

// ChangedAll implements cache.Feed.
func (f *recorder) ChangedAll() { f.add(feedCall{kind: "all"}) }

// Reporting implements cache.Feed.
func (f *recorder) Reporting(on bool) { f.add(feedCall{kind: "reporting", on: on}) }

// CaughtUp implements cache.Feed.
func (f *recorder) CaughtUp(at time.Time) { f.add(feedCall{kind: "caughtup", at: at}) }

// mark returns the number of calls so far.
func (f *recorder) mark() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// waitFor polls cond over the calls until it returns a position >= 0,
// failing the test after the deadline.
func (f *recorder) waitFor(t *testing.T, what string, cond func(calls []feedCall) int) int {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		f.mu.Lock()
		at := cond(f.calls)
		f.mu.Unlock()
		if at >= 0 {
			return at
		}
		if time.Now().After(end) {
			f.mu.Lock()
			defer f.mu.Unlock()
			t.Fatalf("timed out waiting for %s; the feed got %v", what, f.calls)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitReporting waits until the last Reporting call says on, and returns
// its position.
func (f *recorder) waitReporting(t *testing.T, on bool) int {
	t.Helper()
	return f.waitFor(t, fmt.Sprintf("Reporting(%v)", on), func(calls []feedCall) int {
		for i := len(calls) - 1; i >= 0; i-- {
			if calls[i].kind == "reporting" {
				if calls[i].on == on {
					return i
				}
				return -1
			}
		}
		return -1
	})
}

// waitChange waits for a report, after position mark, that user (or
// everything) may have changed.
func (f *recorder) waitChange(t *testing.T, mark int, user, what string) {
	t.Helper()
	f.waitFor(t, "the feed to report "+what, func(calls []feedCall) int {
		if changedIn(calls[mark:], user) {
			return 0
		}
		return -1
	})
}

// changedBetween reports whether a change of user, or of everything, was
// reported between positions from and to.
func (f *recorder) changedBetween(from, to int, user string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return changedIn(f.calls[from:to], user)
}

func changedIn(calls []feedCall, user string) bool {
	return slices.ContainsFunc(calls, func(c feedCall) bool {
		return c.kind == "all" || c.kind == "changed" && c.user == user
	})
}
