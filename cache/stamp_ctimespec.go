//go:build darwin || ios || freebsd || netbsd

package cache

import "syscall"

// changeTimes returns the file's modification and change times.
func changeTimes(st *syscall.Stat_t) (mtime, ctime int64) {
	return st.Mtimespec.Nano(), st.Ctimespec.Nano()
}
