//go:build unix

package servemain

import "syscall"

// openFileLimit returns the process's limit on open descriptors
// (RLIMIT_NOFILE), if it can tell.
func openFileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return uint64(r.Cur), true
}
