//go:build !unix && !windows

package cache

import (
	"errors"
	"os"
)

// openNonblock has no equivalent here.
const openNonblock = 0

// lockDir cannot lock across processes here: Reset, Deregister,
// WriteUser and RemoveUser fail rather than risk losing a record.
func lockDir(*os.Root) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}

// openFileLimit has no limit to tell here.
func openFileLimit() uint64 { return 1 << 20 }
