//go:build unix

package cache

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// platformBadRecords are the broken records only Unix can make: a FIFO
// would block a reader that opened it as a file.
var platformBadRecords = []badRecordCase{
	{"FIFO", func(t *testing.T, file string) {
		require.NoError(t, os.Remove(file))
		require.NoError(t, syscall.Mkfifo(file, 0o600))
	}, "not a regular file"},
}
