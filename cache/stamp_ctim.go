//go:build linux || android || openbsd || dragonfly || solaris || illumos

package cache

import "syscall"

// changeTimes returns the file's modification and change times.
func changeTimes(st *syscall.Stat_t) (mtime, ctime int64) {
	return st.Mtim.Nano(), st.Ctim.Nano()
}
