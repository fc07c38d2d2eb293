//go:build unix

package fsys

import (
	"io/fs"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// OpenDir opens the directory at path for ReadFile.
func OpenDir(path string) (*Dir, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &Dir{f}, nil
}

// ReadFile reads the file name in d, which must be a regular file of at
// most limit bytes, and returns it with its stamp: openat, fstat, read
// and close, and two allocations. It does not follow a symbolic link: it
// returns ErrSymlink for one. It returns an error wrapping fs.ErrNotExist
// if there is no such name, and ErrNotRegular or ErrTooLarge for a file
// that is not one to read.
func (d *Dir) ReadFile(name string, limit int) ([]byte, Stamp, error) {
	dirfd := int(d.f.Fd())
	var fd int
	var err error
	for {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		// O_NOFOLLOW refuses a symbolic link with ELOOP, or EMLINK
		// (FreeBSD) or EFTYPE (NetBSD).
		if err != unix.ENOENT && isSymlink(dirfd, name) {
			return nil, Stamp{}, ErrSymlink
		}
		return nil, Stamp{}, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	defer unix.Close(fd)
	return readFD(fd, name, limit)
}

// isSymlink reports whether name in the directory dirfd is a symbolic
// link.
func isSymlink(dirfd int, name string) bool {
	var st unix.Stat_t
	err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
}

// ReadFile reads the file name in root, as Dir.ReadFile does, but
// following a symbolic link that stays inside root.
func ReadFile(root *os.Root, name string, limit int) ([]byte, Stamp, error) {
	// O_NONBLOCK: a FIFO planted at name must not block the open.
	f, err := root.OpenFile(name, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, Stamp{}, err
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, Stamp{}, err
	}
	var data []byte
	var st Stamp
	if cerr := rc.Control(func(fd uintptr) { data, st, err = readFD(int(fd), name, limit) }); cerr != nil {
		return nil, Stamp{}, cerr
	}
	return data, st, err
}

// readFD reads the open file fd, named name, as ReadFile does.
func readFD(fd int, name string, limit int) ([]byte, Stamp, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, Stamp{}, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, Stamp{}, ErrNotRegular
	}
	if int64(st.Size) > int64(limit) {
		return nil, Stamp{}, ErrTooLarge
	}
	// One byte more than the size, to see growth since fstat at once.
	buf := make([]byte, 0, st.Size+1)
	for {
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return nil, Stamp{}, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) == int(st.Size) {
			// At the end, or at the size fstat gave with room left to
			// read: a regular file's read stops short only at its end.
			return buf, stampOf(&st), nil
		}
		if len(buf) > limit {
			return nil, Stamp{}, ErrTooLarge
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
	}
}

// Lstat returns the stamp of the file at path, not following a symbolic
// link: one system call, without the allocations of os.Lstat.
func Lstat(path string) (Stamp, error) {
	var st unix.Stat_t
	for {
		err := unix.Lstat(path, &st)
		if err == nil {
			return stampOf(&st), nil
		}
		if err != unix.EINTR {
			return Stamp{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
		}
	}
}

func stampOf(st *unix.Stat_t) Stamp {
	return Stamp{
		Dev:   uint64(st.Dev),
		Ino:   uint64(st.Ino),
		Nlink: uint64(st.Nlink),
		Size:  int64(st.Size),
		Mtime: st.Mtim.Nano(),
		Ctime: st.Ctim.Nano(),
	}
}

// Lock waits for the exclusive lock of the file name in root, made with
// mode 0600 if it does not exist, and returns the function that releases
// it. The lock (flock) belongs to the open file, so it orders the
// goroutines of one process as well as processes.
func Lock(root *os.Root, name string) (unlock func(), err error) {
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "flock", Path: name, Err: err}
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// OpenFileLimit returns how many files the process may have open.
func OpenFileLimit() uint64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 256 // macOS's default, the lowest in use
	}
	return uint64(rl.Cur)
}
