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

// statOf has no system stat to return here.
func statOf(fs.FileInfo) *struct{} { return nil }

// stampOfStat is never called here, since statOf returns nil.
func stampOfStat(*struct{}) fileStamp { return fileStamp{} }

// openDir opens nothing here: every read goes through os.Root.
func openDir(string) (*os.File, int, error) { return nil, 0, errors.ErrUnsupported }

// readAt is never called here, since openDir fails.
func readAt(int, string, int) ([]byte, fileStamp, bool, error) { return nil, fileStamp{}, false, nil }

// lstatStamp returns the stamp of the file at path, not following a
// symbolic link.
func lstatStamp(path string) (fileStamp, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return stampOf(fi), nil
}
