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

// statOf has no system stat to return here.
func statOf(fs.FileInfo) *struct{} { return nil }

// stampOfStat is never called here, since statOf returns nil.
func stampOfStat(*struct{}) fileStamp { return fileStamp{} }

// lstatStamp returns the stamp of the file at path, not following a
// symbolic link.
func lstatStamp(path string) (fileStamp, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return stampOf(fi), nil
}

// openFileLimit has no limit to tell here.
func openFileLimit() uint64 { return 1 << 20 }
