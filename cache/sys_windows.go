package cache

import (
	"os"

	"golang.org/x/sys/windows"
)

// openNonblock has no equivalent here: Windows has no FIFOs in a
// directory to block on.
const openNonblock = 0

// lockDir takes the directory's exclusive lock: LockFileEx on the first
// byte of its lock file. Like flock, the lock belongs to the open file,
// so it orders goroutines of this process as well as other processes,
// and closing the file releases it.
func lockDir(root *os.Root) (unlock func(), err error) {
	f, err := root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	// Without LOCKFILE_FAIL_IMMEDIATELY, LockFileEx waits for the lock.
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ol); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		windows.UnlockFileEx(h, 0, 1, 0, ol)
		f.Close()
	}, nil
}

// openFileLimit: Windows bounds handles per process far above what a
// watch needs, and its change notifications watch the directory alone.
func openFileLimit() uint64 { return 1 << 20 }
