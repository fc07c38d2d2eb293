package cache

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/fixiecreds/fixiecreds/cache/internal/fsys"
)

const (
	// ownPrefix starts the name of every file the package itself makes in
	// the credentials directory; no user name starts with '.'.
	ownPrefix  = ".fixiecreds-"
	tempPrefix = ownPrefix + "tmp-"
	lockName   = ownPrefix + "lock"

	// staleTemp is the age past which New removes a temporary file: a
	// younger one may belong to a writer that is still running.
	staleTemp = time.Minute
)

// dirStore is the directory store: one record file per user in a
// directory. Every access goes through an os.Root opened on the directory
// for that access, so no name, symbolic link or replaced directory can
// lead it outside the directory, and a directory removed and made anew is
// followed. A record's Version is the SHA-256 of its bytes.
type dirStore struct {
	dir string // absolute
	log *slog.Logger

	// writeFile writes a new temporary file's content; a seam so that
	// tests can make the disk fill up.
	writeFile func(f *os.File, data []byte) error

	// newWatcher makes the fsnotify watcher of Watch (dirwatch.go).
	newWatcher func() (*fsnotify.Watcher, error)

	// networkFS reports a file system not known to be local, which may
	// notify only of this host's changes: there, cached records are never
	// trusted past the poll interval.
	networkFS func(dir string) (string, bool)

	// policy says how far the platform's change notifications can be
	// used (dirwatch.go).
	policy watchPolicy

	// While a watch reports changes, reads go through the directory it
	// watches, kept open in held: the watch tells when the path stops
	// naming it, and then closes it. Otherwise each read opens the
	// directory anew.
	heldMu sync.RWMutex
	held   *fsys.Dir

	// Each watch re-checks the records served while it runs (see
	// servedSet); maxServed bounds each set.
	servedMu  sync.Mutex
	served    []*servedSet
	maxServed int
	sweepNow  chan struct{} // for tests: a sweep on demand; nil otherwise
}

var _ Store = (*dirStore)(nil)

// newDirStore returns the directory store on dir, an absolute path.
func newDirStore(dir string, cfg config) *dirStore {
	return &dirStore{dir: dir, log: cfg.log, writeFile: cfg.writeFile, newWatcher: cfg.newWatcher, networkFS: cfg.networkFS,
		policy: cfg.policy, maxServed: cfg.maxEntries, sweepNow: cfg.sweepNow}
}

func recordName(user string) string { return user + recordExt }

// digest is the directory store's version of a record's content.
func digest(data []byte) Version {
	sum := sha256.Sum256(data)
	return Version(sum[:])
}

func (s *dirStore) open(ctx context.Context) (*os.Root, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cache: credentials directory: %w", err)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("cache: credentials directory: %w", err)
	}
	return root, nil
}

// Read implements [Store]. A record file that has another name (a
// symbolic link to it, or a second hard link) is PollOnly: it may be
// rewritten through that name with no notification for this user. So is
// one that the watches cannot take on for re-checking (see servedSet).
func (s *dirStore) Read(ctx context.Context, user string) (Record, error) {
	if err := CheckName(user); err != nil {
		return Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, fmt.Errorf("cache: reading record of %q: %w", user, err)
	}
	rec, stamp, handled, err := s.readHeld(user)
	if !handled {
		var root *os.Root
		if root, err = s.open(ctx); err != nil {
			return Record{}, err
		}
		rec, stamp, err = readRecord(root, user)
		root.Close()
	}
	if err == nil && !rec.PollOnly {
		rec.PollOnly = !s.track(user, stamp)
	}
	return rec, err
}

// track hands a record about to be served as trusted to every watch, to
// be checked again (see servedSet), and reports false if one of them
// cannot take it.
func (s *dirStore) track(user string, stamp fsys.Stamp) bool {
	s.servedMu.Lock()
	defer s.servedMu.Unlock()
	ok := true
	for _, set := range s.served {
		ok = set.add(user, stamp) && ok
	}
	return ok
}

// addServed makes a set of served records for a watch; removeServed
// drops it when the watch stops.
func (s *dirStore) addServed() *servedSet {
	set := newServedSet(s.maxServed)
	s.servedMu.Lock()
	defer s.servedMu.Unlock()
	s.served = append(s.served, set)
	return set
}

func (s *dirStore) removeServed(set *servedSet) {
	s.servedMu.Lock()
	defer s.servedMu.Unlock()
	s.served = slices.DeleteFunc(s.served, func(x *servedSet) bool { return x == set })
}

// readHeld reads the user's record through the directory held open, if
// there is one and the record is a regular file with no symbolic link on
// its name; handled is false when it could not (os.Root then reads it).
func (s *dirStore) readHeld(user string) (rec Record, stamp fsys.Stamp, handled bool, err error) {
	s.heldMu.RLock()
	defer s.heldMu.RUnlock()
	if s.held == nil {
		return Record{}, fsys.Stamp{}, false, nil
	}
	data, stamp, err := s.held.ReadFile(recordName(user), maxRecordSize)
	switch {
	case err == fsys.ErrSymlink:
		return Record{}, fsys.Stamp{}, false, nil
	case err != nil:
		return Record{}, fsys.Stamp{}, true, readError(user, err)
	}
	return Record{Data: data, Version: digest(data), PollOnly: stamp.Nlink > 1}, stamp, true, nil
}

// readError says what an error reading user's record file means:
// ErrNotRegistered for no such file, an unusable record for a file that
// is not one to read, and a failed read otherwise.
func readError(user string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotRegistered
	case err == fsys.ErrNotRegular:
		return fmt.Errorf("%w for %q: %w", errBadRecord, user, err)
	case err == fsys.ErrTooLarge:
		return fmt.Errorf("%w for %q: larger than %d bytes", errBadRecord, user, maxRecordSize)
	}
	return fmt.Errorf("cache: reading record of %q: %w", user, err)
}

// hold keeps the directory watched open for readHeld, if the path still
// names it; a watch calls it when it starts reporting.
func (s *dirStore) hold(watched os.FileInfo) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	if s.held != nil {
		return
	}
	d, err := fsys.OpenDir(s.dir)
	if err != nil {
		return
	}
	if fi, err := d.Stat(); err != nil || !fi.IsDir() || !os.SameFile(fi, watched) {
		d.Close()
		return
	}
	s.held = d
}

// release closes the directory held open; a watch calls it whenever it
// stops reporting.
func (s *dirStore) release() {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	if s.held != nil {
		s.held.Close()
		s.held = nil
	}
}

// readRecord reads a record file, which must be a regular file (a FIFO
// would block; a device could be endless) of at most maxRecordSize bytes,
// and returns it with the file's stamp.
func readRecord(root *os.Root, user string) (Record, fsys.Stamp, error) {
	name := recordName(user)
	data, stamp, err := fsys.ReadFile(root, name, maxRecordSize)
	if err != nil {
		return Record{}, fsys.Stamp{}, readError(user, err)
	}
	pollOnly := stamp.Nlink > 1
	if li, err := root.Lstat(name); err != nil || li.Mode()&fs.ModeSymlink != 0 {
		pollOnly = true
	}
	return Record{Data: data, Version: digest(data), PollOnly: pollOnly}, stamp, nil
}

// Create implements [Store]: it links a complete temporary file to the
// record's name, which fails if the name exists, so the check and the
// creation are one step whoever else creates records in the directory.
func (s *dirStore) Create(ctx context.Context, user string, data []byte) error {
	if err := CheckName(user); err != nil {
		return err
	}
	root, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer root.Close()
	tmp, err := s.writeTemp(root, data)
	if err != nil {
		return err
	}
	err = root.Link(tmp, recordName(user))
	if err != nil && sameFile(root, tmp, recordName(user)) {
		// NFS can answer a retransmitted link that succeeded with EEXIST.
		err = nil
	}
	root.Remove(tmp)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %q", ErrAlreadyRegistered, user)
	}
	if err != nil {
		return fmt.Errorf("cache: creating record of %q: %w", user, err)
	}
	s.syncDir(root)
	return nil
}

// sameFile reports whether names a and b are links to one file.
func sameFile(root *os.Root, a, b string) bool {
	fa, err := root.Lstat(a)
	if err != nil {
		return false
	}
	fb, err := root.Lstat(b)
	return err == nil && os.SameFile(fa, fb)
}

// Put implements [Store].
func (s *dirStore) Put(ctx context.Context, user string, data []byte) error {
	if err := CheckName(user); err != nil {
		return err
	}
	return s.locked(ctx, func(root *os.Root) error {
		return s.replace(root, user, data)
	})
}

// CompareAndSwap implements [Store]. It holds the directory's lock, so
// that it is atomic with respect to every other CompareAndSwap, Put and
// Remove on the directory, in any process.
func (s *dirStore) CompareAndSwap(ctx context.Context, user string, old Version, data []byte) error {
	if err := CheckName(user); err != nil {
		return err
	}
	return s.locked(ctx, func(root *os.Root) error {
		cur, _, err := readRecord(root, user)
		if errors.Is(err, ErrNotRegistered) {
			return fmt.Errorf("%w: %q", ErrConflict, user)
		}
		if err != nil {
			return err
		}
		if cur.Version != old {
			return fmt.Errorf("%w: %q", ErrConflict, user)
		}
		if data == nil {
			return s.removeRecord(root, user)
		}
		return s.replace(root, user, data)
	})
}

// Remove implements [Store].
func (s *dirStore) Remove(ctx context.Context, user string) error {
	if err := CheckName(user); err != nil {
		return err
	}
	return s.locked(ctx, func(root *os.Root) error {
		return s.removeRecord(root, user)
	})
}

// List implements [Store]: the regular files and symbolic links named
// "<user>.json" for a valid user name.
func (s *dirStore) List(ctx context.Context) ([]string, error) {
	root, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	entries, err := readDir(root)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, e := range entries {
		user, ok := strings.CutSuffix(e.Name(), recordExt)
		if ok && checkUser(user) == nil && (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
			users = append(users, user)
		}
	}
	return users, nil
}

// listable reports an error if the directory cannot be listed, as
// removeStaleTemps will list it.
func (s *dirStore) listable() error {
	root, err := s.open(context.Background())
	if err != nil {
		return err
	}
	defer root.Close()
	d, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("cache: listing credentials directory: %w", err)
	}
	return d.Close()
}

// removeStaleTemps removes temporary files left by writers that were
// killed, once they are older than staleTemp, until done is closed. It
// reads names only, in batches, and runs in the background, so that
// opening a large directory stays cheap.
func (s *dirStore) removeStaleTemps(now time.Time, done <-chan struct{}) {
	root, err := s.open(context.Background())
	if err != nil {
		s.log.Warn("cache: cannot look for stale temporary files", "dir", s.dir, "err", err)
		return
	}
	defer root.Close()
	d, err := root.Open(".")
	if err != nil {
		s.log.Warn("cache: cannot look for stale temporary files", "dir", s.dir, "err", err)
		return
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(1024)
		for _, name := range names {
			if strings.HasPrefix(name, tempPrefix) {
				s.removeIfStale(root, name, now)
			}
		}
		select {
		case <-done:
			return
		default:
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			s.log.Warn("cache: cannot look for stale temporary files", "dir", s.dir, "err", err)
			return
		}
	}
}

func (s *dirStore) removeIfStale(root *os.Root, name string, now time.Time) {
	fi, err := root.Lstat(name)
	if err != nil || now.Sub(fi.ModTime()) < staleTemp {
		return
	}
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("cache: cannot remove stale temporary file", "file", name, "err", err)
	}
}

func readDir(root *os.Root) ([]fs.DirEntry, error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("cache: listing credentials directory: %w", err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("cache: listing credentials directory: %w", err)
	}
	return entries, nil
}

// locked runs f holding the directory's lock, which orders every
// read-check-write against the others, in this process and in any other.
func (s *dirStore) locked(ctx context.Context, f func(root *os.Root) error) error {
	root, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer root.Close()
	unlock, err := fsys.Lock(root, lockName)
	if err != nil {
		return fmt.Errorf("cache: locking credentials directory: %w", err)
	}
	defer unlock()
	return f(root)
}

// replace puts rec in place of the user's record in one atomic rename:
// a reader sees the old record or the new one, never a part of either.
func (s *dirStore) replace(root *os.Root, user string, rec []byte) error {
	tmp, err := s.writeTemp(root, rec)
	if err != nil {
		return err
	}
	if err := root.Rename(tmp, recordName(user)); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("cache: writing record of %q: %w", user, err)
	}
	s.syncDir(root)
	return nil
}

func (s *dirStore) removeRecord(root *os.Root, user string) error {
	err := root.Remove(recordName(user))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %q", ErrNotRegistered, user)
	}
	if err != nil {
		return fmt.Errorf("cache: removing record of %q: %w", user, err)
	}
	s.syncDir(root)
	return nil
}

// writeTemp writes data to a new temporary file, mode 0600 from its
// creation, flushed to disk, and returns its name.
func (s *dirStore) writeTemp(root *os.Root, data []byte) (string, error) {
	for {
		name := tempPrefix + rand.Text()
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue // 130 random bits: never in practice
		}
		if err != nil {
			return "", fmt.Errorf("cache: writing record: %w", err)
		}
		err = s.writeFile(f, data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			root.Remove(name)
			return "", fmt.Errorf("cache: writing record: %w", err)
		}
		return name, nil
	}
}

func writeAndSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir makes a completed link, rename or removal durable. The change
// is already visible to every reader, so a failure is reported in the log
// rather than as a failure of the change: a Register or Reset that took
// effect must return its token.
func (s *dirStore) syncDir(root *os.Root) {
	d, err := root.Open(".")
	if err == nil {
		err = d.Sync()
		d.Close()
	}
	if err != nil {
		s.log.Warn("cache: cannot sync credentials directory; the last change may not survive a crash", "dir", s.dir, "err", err)
	}
}
