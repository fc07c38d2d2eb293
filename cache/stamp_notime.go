//go:build unix && !(linux || android || openbsd || dragonfly || solaris || illumos || darwin || ios || freebsd || netbsd)

package cache

import "syscall"

// changeTimes is not known here: a stamp then rests on the file's
// identity, link count and size.
func changeTimes(*syscall.Stat_t) (mtime, ctime int64) { return 0, 0 }
