package fsys

import (
	"os"

	"golang.org/x/sys/windows"
)

// Lock waits for the exclusive lock of the file name in root, made with
// mode 0600 if it does not exist, and returns the function that releases
// it. The lock (LockFileEx on its first byte) belongs to the open file,
// so it orders the goroutines of one process as well as processes.
func Lock(root *os.Root, name string) (unlock func(), err error) {
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
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
