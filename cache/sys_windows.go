package cache

import (
	"io/fs"
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

// openFileLimit: Windows bounds handles per process far above what a
// watch needs, and its change notifications watch the directory alone.
func openFileLimit() uint64 { return 1 << 20 }
