// Package fsys holds the system calls of the directory store: the stamp
// of a file, reads through a directory held open, the directory's lock,
// and what the system tells of file systems and limits. Unix has them on
// golang.org/x/sys/unix, Windows on golang.org/x/sys/windows; elsewhere
// they do what the os package can.
package fsys

import (
	"errors"
	"io/fs"
	"os"
)

// A Stamp is what a stat tells of a file that changes whenever its
// content or its names do: a write in place changes its size or
// modification or change time, and a link made or removed changes its
// link count and change time. Where the system tells less (Windows), a
// stamp holds a link count of 1, the size and the modification time.
type Stamp struct {
	Dev, Ino     uint64
	Nlink        uint64
	Size         int64
	Mtime, Ctime int64 // ns since the epoch
}

// Errors of ReadFile and Dir.ReadFile.
var (
	ErrSymlink    = errors.New("symbolic link")
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// A Dir is a directory held open, so that the files in it can be read
// without resolving its path again. Close must not run concurrently with
// ReadFile.
type Dir struct{ f *os.File }

// Stat returns the FileInfo of the directory.
func (d *Dir) Stat() (fs.FileInfo, error) { return d.f.Stat() }

// Close closes the directory.
func (d *Dir) Close() error { return d.f.Close() }
