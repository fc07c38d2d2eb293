//go:build !unix

package cache

import (
	"io/fs"
	"os"
)

// statOf has no system stat to return here: a FileInfo tells neither
// the link count nor the change time.
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
