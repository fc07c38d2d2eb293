package cache

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watch watches the directory itself, never single files: a record
// replaced by rename, a Kubernetes "..data" swap and a file created later
// are all seen through the directory's entries. The first attempt is made
// before watch returns, so a working watcher is in place when New returns.
func (s *fsStore) watch(snk sink) (stop func()) {
	w, ok := s.startWatch(snk)
	if !ok {
		s.log.Warn("cache: cannot watch for changes; polling until it can", "dir", s.dir)
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go s.watchLoop(snk, w, ok, done, exited)
	return func() { close(done); <-exited }
}

// startWatch makes a watcher, nil if none can be made, and adds the
// directory to it; ok reports whether the directory is watched.
func (s *fsStore) startWatch(snk sink) (w *fsnotify.Watcher, ok bool) {
	w, err := s.newWatcher()
	if err != nil {
		s.log.Debug("cache: cannot make a watcher", "dir", s.dir, "err", err)
		return nil, false
	}
	return w, s.addWatch(snk, w)
}

// addWatch adds the directory to w. On success everything cached before
// is dropped, since changes made while nothing watched were missed.
func (s *fsStore) addWatch(snk sink, w *fsnotify.Watcher) bool {
	if err := w.Add(s.dir); err != nil {
		s.log.Debug("cache: cannot watch the directory", "dir", s.dir, "err", err)
		return false
	}
	snk.changedAll()
	snk.watching(true)
	s.log.Debug("cache: watching for changes", "dir", s.dir)
	return true
}

func (s *fsStore) watchLoop(snk sink, w *fsnotify.Watcher, healthy bool, done, exited chan struct{}) {
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
			again  <-chan time.Time
		)
		if w != nil {
			events, errs = w.Events, w.Errors
		}
		if !healthy {
			again = retry.C
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
			// Events may have been lost: forget everything.
			snk.changedAll()
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				s.log.Warn("cache: change notifications overflowed; dropped all cached records", "dir", s.dir)
			} else {
				s.log.Warn("cache: change notification error; dropped all cached records", "dir", s.dir, "err", err)
			}
		case <-again:
			if w == nil {
				w, healthy = s.startWatch(snk)
			} else {
				healthy = s.addWatch(snk, w)
			}
			if healthy {
				s.log.Info("cache: watching for changes again", "dir", s.dir)
			} else {
				retry.Reset(s.retry)
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
