package cache

import (
	"io/fs"
	"os"
	"slices"
	"syscall"
)

// openDir opens the directory dir for readAt.
func openDir(dir string) (*os.File, int, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, 0, err
	}
	return d, int(d.Fd()), nil
}

// readAt reads the file name in the directory dirfd, which must be a
// regular file there and not a symbolic link, with at most limit bytes,
// and returns it with the file's stamp: openat, fstat, read and close,
// and two allocations. handled is false for a symbolic link, which only
// os.Root may follow; err wraps fs.ErrNotExist when there is no such
// name, and errNotRegular or errTooLarge for a file that is not one to
// read.
func readAt(dirfd int, name string, limit int) (data []byte, stamp fileStamp, handled bool, err error) {
	var fd int
	for {
		fd, err = syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case err == syscall.ELOOP || err == syscall.EMLINK:
		return nil, fileStamp{}, false, nil // a symbolic link (EMLINK on FreeBSD)
	case err != nil:
		return nil, fileStamp{}, true, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, fileStamp{}, true, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, fileStamp{}, true, errNotRegular
	}
	if st.Size > int64(limit) {
		return nil, fileStamp{}, true, errTooLarge
	}
	// One byte more than the size, to see growth since fstat at once.
	buf := make([]byte, 0, st.Size+1)
	for {
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return nil, fileStamp{}, true, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) == int(st.Size) {
			// At the end, or at the size fstat gave with room left to
			// read: a regular file's read stops short only at its end.
			return buf, stampOfStat(&st), true, nil
		}
		if len(buf) > limit {
			return nil, fileStamp{}, true, errTooLarge
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
	}
}
