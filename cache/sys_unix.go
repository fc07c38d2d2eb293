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

// linkCount returns how many hard links the file of fi has.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// openFileLimit returns how many files the process may have open.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 256 // macOS's default, the lowest in use
	}
	return uint64(rl.Cur)
}
