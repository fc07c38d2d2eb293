package cache_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/storetest"
)

// TestDirStoreConformance runs the store suite on the directory store.
// The disruption moves the directory away, which also cuts every other
// handle off, and back.
func TestDirStoreConformance(t *testing.T) {
	var dir string // of the subtest running: the suite runs them one by one
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) (cache.Store, func() cache.Store) {
			dir = t.TempDir()
			open := func() cache.Store {
				s, err := cache.NewDirStore(dir, slog.New(slog.DiscardHandler))
				require.NoError(t, err)
				return s
			}
			return open(), open
		},
		Disrupt: func(t *testing.T, _ cache.Store) func() {
			require.NoError(t, os.Rename(dir, dir+".away"))
			return func() { require.NoError(t, os.Rename(dir+".away", dir)) }
		},
	})
}
