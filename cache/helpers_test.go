package cache

import (
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// quietLog discards what the cache logs; tests about logging make their own.
var quietLog = slog.New(slog.DiscardHandler)

// newTestCache returns a watching Cache on a new directory, closed at the
// end of the test.
func newTestCache(t testing.TB, opts ...Option) *Cache {
	t.Helper()
	return newTestCacheIn(t, t.TempDir(), opts...)
}

func newTestCacheIn(t testing.TB, dir string, opts ...Option) *Cache {
	t.Helper()
	c, err := New(dir, append([]Option{WithLogger(quietLog)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// writeFileAt writes a record file directly, as another program would.
func writeFileAt(dir, user string, rec []byte) error {
	return os.WriteFile(filepath.Join(dir, user+recordExt), rec, 0o600)
}
