package cache

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNetworkFSPolls shows that on a network file system, where a watch
// would see only this host's changes, the cache never trusts notifications
// and still sees a change made on disk.
func TestNetworkFSPolls(t *testing.T) {
	var checks atomic.Int64
	c := newTestCache(t, WithPollInterval(20*time.Millisecond), func(cfg *config) error {
		cfg.networkFS = func(string) (string, bool) {
			checks.Add(1)
			return "nfs", true
		}
		return nil
	})
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	assertVerifies(t, c, "alice", token)

	// Another host resets alice: no event arrives on a network file
	// system, so write the record as that host would and rely on polling.
	other, err := c.HashToken("ff")
	require.NoError(t, err)
	require.NoError(t, writeFileAt(c.CredsDir(), "alice", encodeRecord(User{User: "alice", Email: "a@b.org", HashedToken: other})))
	eventuallyVerifies(t, c, "alice", "ff")

	waitFor(t, "several attempts to watch", func() bool { return checks.Load() >= 4 })
	assert.False(t, c.memo.trusted.Load(), "notifications never trusted on a network file system")
}
