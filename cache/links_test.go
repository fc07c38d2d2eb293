package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordWithAnotherName shows that a record reachable through another
// name, whose changes through that name raise no notification for the
// user, is trusted for the poll interval only, while the watch works.
func TestRecordWithAnotherName(t *testing.T) {
	const poll = time.Hour // moved only by the test clock
	for _, tc := range []struct {
		name   string
		link   func(t *testing.T, dir string) // makes alice.json, holding tokA
		change func(t *testing.T, dir string) // makes it hold tokB, unseen by the watch
	}{
		{"symlink into a subdirectory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
			writeOther(t, filepath.Join(dir, "sub"), "alice", tokA)
			require.NoError(t, os.Symlink("sub/alice.json", filepath.Join(dir, "alice.json")))
		}, func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "tmp"), recordFor(t, "alice", tokB), 0o600))
			require.NoError(t, os.Rename(filepath.Join(dir, "sub", "tmp"), filepath.Join(dir, "sub", "alice.json")))
		}},
		{"symlink to another record name", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "alice-v2.json"), recordFor(t, "alice", tokA), 0o600))
			require.NoError(t, os.Symlink("alice-v2.json", filepath.Join(dir, "alice.json")))
		}, func(t *testing.T, dir string) {
			// An event names alice-v2, not alice.
			require.NoError(t, os.WriteFile(filepath.Join(dir, "alice-v2.json"), recordFor(t, "alice", tokB), 0o600))
		}},
		{"hard link in a subdirectory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
			writeOther(t, dir, "alice", tokA)
			require.NoError(t, os.Link(filepath.Join(dir, "alice.json"), filepath.Join(dir, "sub", "a")))
		}, func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "a"), recordFor(t, "alice", tokB), 0o600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.link(t, dir)
			c, cs := newCountingCache(t, dir, WithPollInterval(poll))
			waitFor(t, "the watch", c.memo.trusted.Load)
			require.True(t, accepts(c, "alice", tokA))

			tc.change(t, dir)
			cs.clock.advance(poll - 1)
			assert.True(t, accepts(c, "alice", tokA), "cached within the poll interval")
			cs.clock.advance(1)
			assert.True(t, accepts(c, "alice", tokB), "the change, once the poll interval has passed")
			assert.True(t, rejects(c, "alice", tokA))
		})
	}
}

// TestPlainRecordTrustedWhileWatched is the converse: a record with no
// other name is read once while the watch works, however long it is used.
func TestPlainRecordTrustedWhileWatched(t *testing.T) {
	dir := t.TempDir()
	writeOther(t, dir, "alice", tokA)
	c, cs := newCountingCache(t, dir, WithPollInterval(time.Second))
	waitFor(t, "the watch", c.memo.trusted.Load)
	require.True(t, accepts(c, "alice", tokA))
	reads := cs.readsOf("alice")
	cs.clock.advance(time.Hour)
	assert.True(t, accepts(c, "alice", tokA))
	assert.Equal(t, reads, cs.readsOf("alice"))
}
