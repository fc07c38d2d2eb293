package cache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailedOperationsKeepTheCache shows that a deregister or a reset
// that fails (a wrong token, a wrong email, a name not registered)
// changes nothing, the cache's entries included: looping them costs a
// user no read of the store.
func TestFailedOperationsKeepTheCache(t *testing.T) {
	c, cs := newCountingCache(t, t.TempDir())
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	waitFor(t, "the watcher", c.memo.trusted.Load)
	// The registration's own change event drops alice's entry when it
	// arrives: let it arrive, then wait until verifying her reads nothing.
	drainEvents(t, c)
	waitFor(t, "alice cached", func() bool {
		before := cs.readsOf("alice")
		ok, err := c.Verify("alice", token)
		require.NoError(t, err)
		require.True(t, ok)
		return cs.readsOf("alice") == before
	})
	_, err = c.Verify("nobody", token)
	require.ErrorIs(t, err, ErrNotRegistered)
	reads := cs.readsOf("alice")
	nobody := cs.readsOf("nobody")

	const n = 50
	for range n {
		assert.ErrorIs(t, c.Deregister("alice", strings.Repeat("1", 40)), ErrInvalidToken)
		assert.ErrorIs(t, c.Deregister("alice", "not hex"), ErrInvalidToken)
		_, err := c.Reset("alice", "eve@example.org")
		assert.ErrorIs(t, err, ErrEmailMismatch)
		assert.ErrorIs(t, c.Deregister("nobody", token), ErrNotRegistered)
		_, err = c.Reset("nobody", "eve@example.org")
		assert.ErrorIs(t, err, ErrNotRegistered)
	}
	// Each failed operation read the record once, to check it.
	require.Equal(t, reads+3*n, cs.readsOf("alice"))
	require.Equal(t, nobody+2*n, cs.readsOf("nobody"))

	for range 10 {
		ok, err := c.Verify("alice", token)
		require.NoError(t, err)
		assert.True(t, ok)
		_, err = c.Verify("nobody", token)
		assert.ErrorIs(t, err, ErrNotRegistered)
	}
	assert.Equal(t, reads+3*n, cs.readsOf("alice"), "store reads to verify alice after failed operations")
	assert.Equal(t, nobody+2*n, cs.readsOf("nobody"), "store reads for an unknown name after failed operations")

	// A deregistration that succeeds drops the entry at once.
	require.NoError(t, c.Deregister("alice", token))
	_, err = c.Verify("alice", token)
	assert.ErrorIs(t, err, ErrNotRegistered)
}
