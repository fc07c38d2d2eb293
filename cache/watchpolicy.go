package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// maxKqueueEntries bounds the entries of a directory watched through
// kqueue, whatever the limit on open files.
const maxKqueueEntries = 1024

// watchPolicy is how far a platform's change notifications can be used
// on a credentials directory.
type watchPolicy struct {
	// maxEntries bounds the entries (records and any other file) of a
	// directory being watched; 0 for no bound. Past it the cache polls.
	maxEntries int

	// pollAfterError: after a watch error, poll for good rather than
	// watch again.
	pollAfterError bool
}

// platformWatchPolicy returns the policy on goos for a process that may
// have openFiles files open. fsnotify's kqueue backend (macOS, iOS, the
// BSDs) opens a descriptor for every entry of a watched directory: there,
// a directory is watched only while it has at most maxKqueueEntries and a
// quarter of openFiles entries, and a watch error (most likely running
// out of descriptors) ends watching.
func platformWatchPolicy(goos string, openFiles uint64) watchPolicy {
	switch goos {
	case "darwin", "ios", "freebsd", "openbsd", "netbsd", "dragonfly":
		return watchPolicy{
			maxEntries:     int(max(1, min(maxKqueueEntries, openFiles/4))),
			pollAfterError: true,
		}
	}
	return watchPolicy{}
}

// errTooManyEntries: the directory has more entries than the watch policy
// allows.
var errTooManyEntries = errors.New("cache: too many files in the credentials directory to watch")

// checkEntries returns errTooManyEntries, wrapped with the bound, if dir
// has more than max entries, reading no more than max+1 names of it.
func checkEntries(dir string, max int) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	n := 0
	for n <= max {
		names, err := d.Readdirnames(min(max+1-n, 256))
		n += len(names)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n > max {
		return fmt.Errorf("%w: more than %d, and the platform's watcher (kqueue) opens a descriptor for each", errTooManyEntries, max)
	}
	return nil
}
