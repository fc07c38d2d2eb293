//go:build unix

package cache

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// platformBadRecords are the broken records only Unix can make: a FIFO
// would block a reader that opened it as a file.
var platformBadRecords = []badRecordCase{
	{"FIFO", func(t *testing.T, file string) {
		require.NoError(t, os.Remove(file))
		require.NoError(t, unix.Mkfifo(file, 0o600))
	}, "not a regular file"},
}
