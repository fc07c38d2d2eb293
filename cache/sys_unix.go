//go:build unix

package cache

import (
	"io/fs"
	"os"
	"syscall"
)

// openNonblock keeps opening a FIFO planted as a record from blocking.
const openNonblock = syscall.O_NONBLOCK

// lockDir takes the directory's exclusive lock, an flock on its lock file.
// flock excludes every other open file description, so it orders goroutines
// of this process as well as other processes.
func lockDir(root *os.Root) (unlock func(), err error) {
	f, err := root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// statOf returns what the system's stat said of fi, or nil.
func statOf(fi fs.FileInfo) *syscall.Stat_t {
	st, _ := fi.Sys().(*syscall.Stat_t)
	return st
}

// stampOfStat returns the stamp of the file st describes.
func stampOfStat(st *syscall.Stat_t) fileStamp {
	mtime, ctime := changeTimes(st)
	return fileStamp{dev: uint64(st.Dev), ino: uint64(st.Ino), nlink: uint64(st.Nlink), size: int64(st.Size), mtime: mtime, ctime: ctime}
}

// lstatStamp returns the stamp of the file at path, not following a
// symbolic link: one system call, without the allocations of os.Lstat.
func lstatStamp(path string) (fileStamp, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Lstat(path, &st)
		if err == nil {
			return stampOfStat(&st), nil
		}
		if err != syscall.EINTR {
			return fileStamp{}, err
		}
	}
}

// openFileLimit returns how many files the process may have open.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 256 // macOS's default, the lowest in use
	}
	return uint64(rl.Cur)
}
