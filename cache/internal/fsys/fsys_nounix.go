//go:build !unix

package fsys

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// OpenDir returns errors.ErrUnsupported: without openat, every read goes
// through ReadFile.
func OpenDir(string) (*Dir, error) { return nil, errors.ErrUnsupported }

// ReadFile returns errors.ErrUnsupported; OpenDir returns no Dir here.
func (d *Dir) ReadFile(string, int) ([]byte, Stamp, error) {
	return nil, Stamp{}, errors.ErrUnsupported
}

// ReadFile reads the file name in root, which must be a regular file of
// at most limit bytes, and returns it with its stamp. It returns an error
// wrapping fs.ErrNotExist if there is no such name, and ErrNotRegular or
// ErrTooLarge for a file that is not one to read.
func ReadFile(root *os.Root, name string, limit int) ([]byte, Stamp, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, Stamp{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, Stamp{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, Stamp{}, ErrNotRegular
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, Stamp{}, err
	}
	if len(data) > limit {
		return nil, Stamp{}, ErrTooLarge
	}
	return data, stampOf(fi), nil
}

// Lstat returns the stamp of the file at path, not following a symbolic
// link.
func Lstat(path string) (Stamp, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Stamp{}, err
	}
	return stampOf(fi), nil
}

func stampOf(fi fs.FileInfo) Stamp {
	return Stamp{Nlink: 1, Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
}

// OpenFileLimit returns a bound far above what a watch needs: the
// system has none to tell, or, on Windows, bounds handles per process
// that high, and watches a directory alone.
func OpenFileLimit() uint64 { return 1 << 20 }
