package etcdstore_test

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// deadline bounds every wait: only reached when something is broken.
const deadline = 20 * time.Second

var quiet = slog.New(slog.DiscardHandler)

// waitFor polls cond until it holds, failing the test after the deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// feedCall is one call a store made to a spy.
type feedCall struct {
	at   time.Time
	kind string // "changed", "all", "reporting", "caughtup"
	user string
	on   bool
	t    time.Time // of a CaughtUp
}

// spy is a cache.Feed that records every call and passes it on to the
// feed of the cache, if any.
type spy struct {
	next cache.Feed

	// onChanged, if not nil, is called by Changed first, from the
	// watch's goroutine.
	onChanged func(user string)

	mu    sync.Mutex
	calls []feedCall
}

var _ cache.Feed = (*spy)(nil)

func (f *spy) add(c feedCall) {
	c.at = time.Now()
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *spy) Changed(user string) {
	if f.onChanged != nil {
		f.onChanged(user)
	}
	f.add(feedCall{kind: "changed", user: user})
	if f.next != nil {
		f.next.Changed(user)
	}
}

func (f *spy) ChangedAll() {
	f.add(feedCall{kind: "all"})
	if f.next != nil {
		f.next.ChangedAll()
	}
}

func (f *spy) Reporting(on bool) {
	f.add(feedCall{kind: "reporting", on: on})
	if f.next != nil {
		f.next.Reporting(on)
	}
}

func (f *spy) CaughtUp(t time.Time) {
	f.add(feedCall{kind: "caughtup", t: t})
	if f.next != nil {
		f.next.CaughtUp(t)
	}
}

// isChange reports whether c reports a change.
func isChange(c feedCall) bool { return c.kind == "changed" || c.kind == "all" }

// mark returns the number of calls so far.
func (f *spy) mark() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// since returns the calls from position mark on.
func (f *spy) since(mark int) []feedCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls[mark:])
}

// reporting returns what the last Reporting call said, false if none.
func (f *spy) reporting() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i].kind == "reporting" {
			return f.calls[i].on
		}
	}
	return false
}

// waitReporting waits until the feed's last Reporting call says on.
func (f *spy) waitReporting(t testing.TB, on bool) {
	t.Helper()
	waitFor(t, "Reporting("+map[bool]string{true: "true", false: "false"}[on]+")", func() bool { return f.reporting() == on })
}

// waitChanged waits for a report, after position mark, that user (or
// everything) may have changed.
func (f *spy) waitChanged(t testing.TB, mark int, user string) {
	t.Helper()
	waitFor(t, "a change of "+user, func() bool {
		return slices.ContainsFunc(f.since(mark), func(c feedCall) bool {
			return c.kind == "all" || c.kind == "changed" && c.user == user
		})
	})
}

// spied is a store whose Watch hands its feed's calls to a spy first.
type spied struct {
	cache.Store
	feed *spy
}

func (s *spied) Watch(feed cache.Feed, t cache.FeedTiming) func() {
	s.feed.next = feed
	return s.Store.Watch(s.feed, t)
}

// timing returns the feed timing of a cache with the poll interval
// given and the default trust window, 100 ms or poll if shorter.
func timing(poll time.Duration) cache.FeedTiming {
	return cache.FeedTiming{Poll: poll, Window: min(100*time.Millisecond, poll)}
}

// openCache returns a cache on store, closed at the end of the test, and
// the spy on its feed.
func openCache(t testing.TB, store cache.Store, opts ...cache.Option) (*cache.Cache, *spy) {
	t.Helper()
	f := &spy{}
	c, err := cache.Open(&spied{Store: store, feed: f}, append([]cache.Option{cache.WithLogger(quiet)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, f
}

// goroutines returns the stacks of the goroutines that have a frame whose
// function name contains fn.
func goroutines(fn string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var found []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			found = append(found, g)
		}
	}
	return found
}

// verifies reports whether c accepts token for user within timeout: an
// error counts as no.
func verifies(c *cache.Cache, user, token string, timeout time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.VerifyContext(ctx, user, token)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
