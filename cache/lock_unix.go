//go:build unix

package cache

import (
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
