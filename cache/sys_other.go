//go:build !unix && !windows

package cache

import (
	"errors"
	"io/fs"
	"os"
)

// openNonblock has no equivalent here.
const openNonblock = 0

// lockDir cannot lock across processes here: Reset, Deregister,
// WriteUser and RemoveUser fail rather than risk losing a record.
func lockDir(*os.Root) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}

// linkCount cannot tell hard links apart here.
func linkCount(fs.FileInfo) uint64 { return 1 }

// openFileLimit has no limit to tell here.
func openFileLimit() uint64 { return 1 << 20 }
