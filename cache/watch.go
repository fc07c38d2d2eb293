package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watch watches the directory itself, never single files: a record
// replaced by rename, a Kubernetes "..data" swap and a file created later
// are all seen through the directory's entries. The first attempt is made
// before watch returns, so a working watcher is in place when New returns.
//
// inotify watches the directory that the path named when the watch was
// added, not the path. When the path comes to name another directory
// without that directory being removed or renamed itself (a directory
// above renamed, a symbolic link on the path swapped, as a deployment's
// "current -> releases/N", a file system mounted or unmounted) no event
// says so. So each poll interval the loop checks, off the hot path, that
// the path still names the directory watched, and watches it again if
// not: cached records are then trusted for at most that long after such
// a change, as without notifications.
func (s *fsStore) watch(snk sink) (stop func()) {
	w, watched, ok := s.startWatch(snk)
	if fs, network := s.networkFS(s.dir); network {
		s.log.Warn("cache: credentials directory is not on a file system known to be local, where changes from other hosts raise no notification; polling", "dir", s.dir, "fs_type", fs, "poll", s.retry)
	} else if !ok {
		s.log.Warn("cache: cannot watch for changes; polling until it can", "dir", s.dir, "poll", s.retry)
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go s.watchLoop(snk, w, watched, ok, done, exited)
	return func() { close(done); <-exited }
}

// startWatch makes a watcher, nil if none can be made, and adds the
// directory to it; ok reports whether the directory is watched, and
// watched is then what the path named.
func (s *fsStore) startWatch(snk sink) (w *fsnotify.Watcher, watched os.FileInfo, ok bool) {
	w, err := s.newWatcher()
	if err != nil {
		s.log.Debug("cache: cannot make a watcher", "dir", s.dir, "err", err)
		return nil, nil, false
	}
	watched, ok = s.addWatch(snk, w)
	return w, watched, ok
}

// errReplaced: the path named one directory before the watch was added
// and another after.
var errReplaced = errors.New("cache: credentials directory replaced while being watched")

// addWatch adds the directory to w and returns what the path names, to
// tell later whether it still names the directory watched. On success
// everything cached before is dropped, since changes made while nothing
// watched were missed.
func (s *fsStore) addWatch(snk sink, w *fsnotify.Watcher) (watched os.FileInfo, ok bool) {
	before, err := os.Stat(s.dir)
	if fs, network := s.networkFS(s.dir); network && err == nil {
		err = fmt.Errorf("cache: file system type %s is not known to be local: changes on other hosts may raise no notification", fs)
	}
	if err == nil {
		err = w.Add(s.dir)
		if err == nil {
			watched, err = os.Stat(s.dir)
			if err == nil && !os.SameFile(before, watched) {
				err = errReplaced
			}
			if err != nil {
				w.Remove(s.dir)
			}
		}
	}
	if err != nil {
		s.log.Debug("cache: cannot watch the directory", "dir", s.dir, "err", err)
		return nil, false
	}
	snk.changedAll()
	snk.watching(true)
	s.log.Debug("cache: watching for changes", "dir", s.dir)
	return watched, true
}

// stillWatched reports whether the path still names the directory
// watched.
func (s *fsStore) stillWatched(watched os.FileInfo) bool {
	fi, err := os.Stat(s.dir)
	return err == nil && os.SameFile(fi, watched)
}

// watchLoop reports w's events to snk until done is closed. retry fires
// each poll interval: while healthy, to check that the path still names
// the directory watched; otherwise, to try to watch again.
func (s *fsStore) watchLoop(snk sink, w *fsnotify.Watcher, watched os.FileInfo, healthy bool, done, exited chan struct{}) {
	defer close(exited)
	retry := time.NewTimer(s.retry)
	defer retry.Stop()
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	for {
		var (
			events <-chan fsnotify.Event
			errs   <-chan error
		)
		if w != nil {
			events, errs = w.Events, w.Errors
		}
		select {
		case <-done:
			return
		case ev, ok := <-events:
			if !ok {
				w, healthy = nil, false
				s.lost(snk, retry)
				continue
			}
			if ev.Name == s.dir && ev.Op&(fsnotify.Remove|fsnotify.Rename) != 0 {
				// The watch went with the directory; until one is back,
				// the cache checks the disk.
				w.Remove(s.dir)
				healthy = false
				s.log.Warn("cache: credentials directory moved or removed; polling until it is back", "dir", s.dir)
				s.lost(snk, retry)
				continue
			}
			s.dispatch(snk, ev)
		case err, ok := <-errs:
			if !ok {
				w, healthy = nil, false
				s.lost(snk, retry)
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost, the watch was not: forget everything.
				snk.changedAll()
				s.log.Warn("cache: change notifications overflowed; dropped all cached records", "dir", s.dir)
				continue
			}
			// Whether the watch still works is unknown: poll until it is
			// made anew.
			w.Remove(s.dir)
			healthy = false
			s.log.Warn("cache: change notification error; polling until watching again", "dir", s.dir, "err", err)
			s.lost(snk, retry)
		case <-retry.C:
			retry.Reset(s.retry)
			if healthy {
				if s.stillWatched(watched) && slices.Contains(w.WatchList(), s.dir) {
					continue
				}
				// The directory watched is no longer the one at the path,
				// or the watch went away unannounced (fsnotify drops an
				// unmount's events), and no event will tell what happens
				// at the path.
				w.Remove(s.dir)
				healthy = false
				s.log.Warn("cache: credentials directory path names another directory; watching it again", "dir", s.dir)
				s.lost(snk, retry)
			}
			if w == nil {
				w, watched, healthy = s.startWatch(snk)
			} else {
				watched, healthy = s.addWatch(snk, w)
			}
			if healthy {
				s.log.Info("cache: watching for changes again", "dir", s.dir)
			}
		}
	}
}

// lost marks notifications as untrustworthy and schedules a new watch.
func (s *fsStore) lost(snk sink, retry *time.Timer) {
	snk.watching(false)
	snk.changedAll()
	retry.Reset(s.retry)
}

// dispatch turns one event into what it means for cached records. An
// event on "<user>.json" concerns that user; the package's own temporary
// and lock files concern nobody; any other name (a Kubernetes "..data"
// swap, an editor's file) may stand for any record. A change of
// attributes alone changes no record.
func (s *fsStore) dispatch(snk sink, ev fsnotify.Event) {
	if ev.Op&^fsnotify.Chmod == 0 {
		return
	}
	name := filepath.Base(ev.Name)
	if strings.HasPrefix(name, ownPrefix) {
		return
	}
	if user, ok := strings.CutSuffix(name, recordExt); ok && checkUser(user) == nil {
		snk.changed(user)
		return
	}
	snk.changedAll()
}
