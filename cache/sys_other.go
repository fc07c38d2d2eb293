//go:build !unix

package cache

import (
	"errors"
	"io/fs"
	"os"
)

// openNonblock has no equivalent here.
const openNonblock = 0

// lockDir cannot lock across processes without flock: Reset, Deregister,
// WriteUser and RemoveUser fail rather than risk losing a record.
func lockDir(*os.Root) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}

// linkCount cannot tell hard links apart here.
func linkCount(fs.FileInfo) uint64 { return 1 }

// openDir opens nothing here: every read goes through os.Root.
func openDir(string) (*os.File, int, error) { return nil, 0, errors.ErrUnsupported }

// readAt is never called here, since openDir fails.
func readAt(int, string, int) ([]byte, uint64, bool, error) { return nil, 0, false, nil }
