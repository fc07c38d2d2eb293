package cache

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newOutageCache returns a cache whose store fails reads on demand, whose
// feed does not report (as while a connection is down) and whose clock
// moves only when told.
func newOutageCache(t *testing.T, opts ...Option) (*Cache, *faultStore, *testClock) {
	t.Helper()
	clk := &testClock{}
	c, fst := newFaultCache(t, append(opts, WithWatch(false), WithPollInterval(time.Second), withClock(clk))...)
	return c, fst, clk
}

// TestOutageFailsClosed: once an entry is older than the poll interval
// and the store cannot be read, Verify fails; it never answers from the
// stale entry, which may hold a revoked token.
func TestOutageFailsClosed(t *testing.T) {
	c, fst, clk := newOutageCache(t)
	alice, _ := registerPair(t, c)
	assertVerifies(t, c, "alice", alice)

	fst.set("alice", syscall.ECONNREFUSED, nil)
	clk.advance(999 * time.Millisecond)
	assertVerifies(t, c, "alice", alice) // within the poll interval: from memory

	clk.advance(time.Millisecond)
	ok, err := c.Verify("alice", alice)
	assert.False(t, ok)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)

	fst.set("alice", nil, nil)
	assertVerifies(t, c, "alice", alice)
}

// TestOutageGrace: WithOutageGrace answers from an entry up to the grace
// old while the store cannot be read, and no longer; it gives no grace
// to a record that was read but cannot be parsed, nor to unknown names.
func TestOutageGrace(t *testing.T) {
	c, fst, clk := newOutageCache(t, WithOutageGrace(time.Minute))
	alice, bob := registerPair(t, c)
	assertVerifies(t, c, "alice", alice)
	assertVerifies(t, c, "bob", bob)
	_, err := c.Verify("nobody", alice)
	require.ErrorIs(t, err, ErrNotRegistered)

	down := &fs.PathError{Op: "open", Path: "store", Err: syscall.ECONNREFUSED}
	fst.set("alice", down, nil)
	fst.set("nobody", down, nil)
	clk.advance(59 * time.Second)
	assertVerifies(t, c, "alice", alice)
	ok, err := c.Verify("alice", bob)
	assert.False(t, ok, "a wrong token during the grace")
	assert.NoError(t, err)
	_, err = c.Verify("nobody", alice)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "an unknown name during the grace")

	clk.advance(time.Second)
	ok, err = c.Verify("alice", alice)
	assert.False(t, ok, "past the grace")
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "past the grace")

	// A record that reads but does not parse is no outage.
	c2, fst2, clk2 := newOutageCache(t, WithOutageGrace(time.Minute))
	carol, err := c2.Register("carol", "c@b.org")
	require.NoError(t, err)
	assertVerifies(t, c2, "carol", carol)
	fst2.set("carol", nil, nil)
	require.NoError(t, writeFileAt(c2.CredsDir(), "carol", []byte(`{"user":"carol"`)))
	clk2.advance(2 * time.Second)
	ok, err = c2.Verify("carol", carol)
	assert.False(t, ok)
	assert.ErrorIs(t, err, errBadRecord)
}

// TestOpenOnAnyStore: Open takes any Store; a Cache on a store that is
// not a directory has no directory or file to name.
func TestOpenOnAnyStore(t *testing.T) {
	_, err := Open(nil)
	assert.Error(t, err)

	dir := t.TempDir()
	ds, err := NewDirStore(dir, quietLog)
	require.NoError(t, err)
	other := struct{ Store }{ds} // a store that is not the directory store
	c, err := Open(other, WithLogger(quietLog))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	token, err := c.RegisterContext(context.Background(), "alice", "a@b.org")
	require.NoError(t, err)
	ok, err := c.VerifyContext(context.Background(), "alice", token)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Empty(t, c.CredsDir())
	_, err = c.UserCredFile("alice")
	assert.ErrorIs(t, err, errors.ErrUnsupported)

	// Open on the directory store names its directory, as New does.
	onDir, err := Open(ds, WithLogger(quietLog))
	require.NoError(t, err)
	t.Cleanup(func() { onDir.Close() })
	assert.Equal(t, dir, onDir.CredsDir())
	file, err := onDir.UserCredFile("alice")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "alice.json"), file)

	// The directory New makes reads the same record.
	c2 := newTestCacheIn(t, dir)
	assertVerifies(t, c2, "alice", token)
	assert.Equal(t, dir, c2.CredsDir())
}

// TestContextEndsStoreCalls: a context that has ended stops a call that
// needs the store, and changes nothing; a cached answer needs no store.
func TestContextEndsStoreCalls(t *testing.T) {
	// On the test clock, which stands still: the answers cached stay
	// trusted however late the scheduler runs the watch.
	c, _ := newCountingCache(t, t.TempDir())
	alice, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	assertVerifies(t, c, "alice", alice)
	waitFor(t, "the watcher", c.memo.trusted.Load)
	waitCaughtUp(t, c)
	drainEvents(t, c) // the registration's event, which drops alice's entry
	waitFor(t, "alice cached", func() bool {
		assertVerifies(t, c, "alice", alice)
		u, _ := cached(c, "alice")
		return u
	})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := c.VerifyContext(ctx, "alice", alice)
	assert.True(t, ok, "a cached user")
	assert.NoError(t, err)
	waitListed(t, c)
	_, err = c.VerifyContext(ctx, "bob", alice)
	assert.ErrorIs(t, err, ErrNotRegistered, "a name missing from the names listed")
	forgetNames(c)
	_, err = c.VerifyContext(ctx, "bob", alice)
	assert.ErrorIs(t, err, context.Canceled, "a name not known")
	_, err = c.RegisterContext(ctx, "bob", "b@b.org")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = c.ResetContext(ctx, "alice", "a@b.org")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, c.DeregisterContext(ctx, "alice", alice), context.Canceled)
	assertVerifies(t, c, "alice", alice)
	exists, err := c.UserExists("bob")
	require.NoError(t, err)
	assert.False(t, exists, "a Register whose context had ended made bob")
}
