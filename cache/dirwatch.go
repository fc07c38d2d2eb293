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

	"github.com/fixiecreds/fixiecreds/cache/internal/fsys"
)

// Watch implements [Store]. It watches the directory itself, never single
// files: a record replaced by rename, a Kubernetes "..data" swap and a
// file created later are all seen through the directory's entries. The first attempt is made
// before Watch returns, so a working watcher is in place when New returns.
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
//
// Where fsnotify watches through kqueue (macOS and the BSDs), it opens a
// descriptor for every file in the directory: there the platform's
// watchPolicy bounds the files of a directory watched, checked at each
// attempt and each poll interval, and a watch error makes the store poll
// for good. Either is logged once, with the reason.
func (s *dirStore) Watch(feed Feed, timing FeedTiming) (stop func()) {
	poll := timing.Poll
	w := &dirWatch{s: s, feed: feed, poll: poll, window: timing.Window, served: s.addServed()}
	w.cache, _ = feed.(cacheFeed)
	w.start()
	if fs, network := s.networkFS(s.dir); network {
		s.log.Warn("cache: credentials directory is not on a file system known to be local, where changes from other hosts raise no notification; polling", "dir", s.dir, "fs_type", fs, "poll", poll)
	} else if !w.healthy && !w.tooMany {
		s.log.Warn("cache: cannot watch for changes; polling until it can", "dir", s.dir, "poll", poll)
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go w.loop(done, exited)
	return func() {
		close(done)
		<-exited
		s.removeServed(w.served)
	}
}

// dirWatch is the state of one Watch: its watcher, nil if none could be
// made, and whether the directory the path names is being watched.
type dirWatch struct {
	s       *dirStore
	feed    Feed
	cache   cacheFeed // feed, if it is the cache's own; else nil
	poll    time.Duration
	window  time.Duration
	retry   *time.Timer // each poll: check the watch (healthy) or try again
	w       *fsnotify.Watcher
	mark    *marker     // proves the watch caught up; nil until made for w
	noMark  bool        // a marker could not be made, and that was logged
	watched os.FileInfo // what the path named when the watch was added
	healthy bool
	tooMany bool           // the directory was last found past the policy's maxEntries
	gaveUp  bool           // after an error, the policy said to poll for good
	served  *servedSet     // records to check again; see servedSet
	batch   []servedRecord // the sweep's, kept to spare allocations
}

// sweepSteps is how many shares of the served records the watch checks
// per poll interval, so that the stats are spread over it; sweepRate
// bounds the records it checks per second (see servedSet).
const (
	sweepSteps = 10
	sweepRate  = 2000
)

// sweepLimit returns the most records one step of the sweep checks, for
// a sweep every poll/sweepSteps.
func sweepLimit(poll time.Duration) int {
	return max(1, int(sweepRate*poll.Seconds()/sweepSteps))
}

// cacheFeed is what the cache's own feed (the memo) offers the directory
// store beyond Feed: whether it still holds a user's record, so that the
// sweep forgets the records it no longer needs to check; and a way to say
// that the store polls by its own choice, so that the feed counts as off
// rather than down (see Cache.Ready). Any other Feed gets neither.
type cacheFeed interface {
	Feed
	holds(user string) bool
	watchOff()
}

// start makes a watcher and watches the directory, if it can.
func (d *dirWatch) start() {
	w, err := d.s.newWatcher()
	if err != nil {
		d.s.log.Debug("cache: cannot make a watcher", "dir", d.s.dir, "err", err)
		return
	}
	d.w = w
	d.add()
	d.confirm()
}

// confirm asks the watcher, while it watches the directory, for proof that
// it has delivered every change made until now, by a write to the
// marker; its event tells the feed that it caught up (see marker). The
// loop confirms every window/2: often enough that trust never lapses
// while events flow, and rarely enough that an idle cache costs little
// (about 0.5 % of a core, BenchmarkIdle).
func (d *dirWatch) confirm() {
	if !d.healthy || d.w == nil {
		return
	}
	if d.mark == nil {
		m, err := newMarker(d.w)
		if err != nil {
			if !d.noMark {
				d.noMark = true
				d.s.log.Warn("cache: cannot confirm that change notifications are caught up; cached records are read again once older than the trust window", "dir", d.s.dir, "err", err, "window", d.window)
			}
			return
		}
		d.mark = m
	}
	if !d.mark.send(d.poll) {
		d.dropMark()
	}
}

// dropMark gives up the marker, if any; confirm makes a new one.
func (d *dirWatch) dropMark() {
	if d.mark != nil {
		d.mark.close(d.w)
		d.mark = nil
	}
}

// errReplaced: the path named one directory before the watch was added
// and another after.
var errReplaced = errors.New("cache: credentials directory replaced while being watched")

// add adds the directory to the watcher and remembers what the path
// names, to tell later whether it still names the directory watched. On
// success the feed is told that anything may have changed, since changes
// made while nothing watched were missed, and then that it is reporting.
func (d *dirWatch) add() {
	s := d.s
	before, err := os.Stat(s.dir)
	if err == nil && !before.IsDir() {
		err = fmt.Errorf("cache: credentials directory %s is not a directory", s.dir)
	}
	if fs, network := s.networkFS(s.dir); network && err == nil {
		err = fmt.Errorf("cache: file system type %s is not known to be local: changes on other hosts may raise no notification", fs)
	}
	if err == nil {
		err = d.checkEntries()
	}
	if err == nil {
		err = d.w.Add(s.dir)
		if err == nil {
			d.watched, err = os.Stat(s.dir)
			if err == nil && !os.SameFile(before, d.watched) {
				err = errReplaced
			}
			if err != nil {
				d.w.Remove(s.dir)
			}
		}
	}
	if err != nil {
		if !errors.Is(err, errTooManyEntries) {
			s.log.Debug("cache: cannot watch the directory", "dir", s.dir, "err", err)
		}
		d.setHealthy(false)
		return
	}
	d.feed.ChangedAll()
	d.feed.Reporting(true)
	d.setHealthy(true)
	s.log.Debug("cache: watching for changes", "dir", s.dir)
}

// setHealthy records whether the directory is watched, and lets the
// store read through the directory watched, held open, only while it is.
func (d *dirWatch) setHealthy(on bool) {
	if on == d.healthy {
		return
	}
	d.healthy = on
	if on {
		d.s.hold(d.watched)
		return
	}
	d.s.release()
}

// loop hands the watcher's events to the feed until done is closed.
func (d *dirWatch) loop(done, exited chan struct{}) {
	defer close(exited)
	d.retry = time.NewTimer(d.poll)
	defer d.retry.Stop()
	sweep := time.NewTicker(max(d.poll/sweepSteps, time.Millisecond))
	defer sweep.Stop()
	confirm := time.NewTicker(max(d.window/2, time.Millisecond))
	defer confirm.Stop()
	defer func() {
		d.setHealthy(false)
		d.dropMark()
		if d.w != nil {
			d.w.Close()
		}
	}()
	for {
		var (
			events <-chan fsnotify.Event
			errs   <-chan error
		)
		if d.w != nil {
			events, errs = d.w.Events, d.w.Errors
		}
		select {
		case <-done:
			return
		case ev, ok := <-events:
			if !ok {
				d.closed()
				continue
			}
			d.event(ev)
		case err, ok := <-errs:
			if !ok {
				d.closed()
				continue
			}
			d.error(err)
		case <-d.retry.C:
			d.retry.Reset(d.poll)
			d.check()
		case <-confirm.C:
			d.confirm()
		case <-sweep.C:
			d.sweep()
		case <-d.s.sweepNow:
			d.sweep()
		}
	}
}

// event handles one fsnotify event.
func (d *dirWatch) event(ev fsnotify.Event) {
	if d.mark != nil && ev.Name == d.mark.name {
		if sent, ok := d.mark.arrived(ev); ok && d.healthy {
			d.feed.CaughtUp(sent)
		}
		return
	}
	if ev.Name == d.s.dir && ev.Op&(fsnotify.Remove|fsnotify.Rename) != 0 {
		if d.healthy && d.stillWatched() {
			// The event of a watch already replaced: the check found
			// the path naming another directory, and watched that one,
			// before this event, queued earlier, arrived.
			return
		}
		// The watch went with the directory; until one is back, the
		// cache checks the disk.
		d.s.log.Warn("cache: credentials directory moved or removed; polling until it is back", "dir", d.s.dir)
		d.lost()
		return
	}
	d.s.dispatch(d.feed, ev)
}

// error handles one fsnotify error.
func (d *dirWatch) error(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		// Events were lost, the watch was not: forget everything. The
		// log comes first, so that whoever sees the entries gone finds
		// the reason logged.
		d.s.log.Warn("cache: change notifications overflowed; dropping all cached records", "dir", d.s.dir)
		d.feed.ChangedAll()
		return
	}
	if d.s.policy.pollAfterError {
		// Watching again would open a descriptor for every file anew,
		// and most likely fail the same way.
		d.s.log.Warn("cache: change notification error; polling from now on (restart to watch again)", "dir", d.s.dir, "err", err, "poll", d.poll)
		d.dropMark()
		d.w.Close()
		d.w = nil
		d.watchOff()
		d.lost()
		d.gaveUp = true
		return
	}
	// Whether the watch still works is unknown: poll until it is made
	// anew.
	d.s.log.Warn("cache: change notification error; polling until watching again", "dir", d.s.dir, "err", err)
	d.lost()
}

// checkEntries applies the policy's bound on the directory's entries,
// and logs when the directory goes past it or comes back under it.
func (d *dirWatch) checkEntries() error {
	max := d.s.policy.maxEntries
	if max == 0 {
		return nil
	}
	err := checkEntries(d.s.dir, max)
	over := errors.Is(err, errTooManyEntries)
	switch {
	case over && !d.tooMany:
		d.s.log.Warn("cache: too many files in the credentials directory to watch; polling until there are fewer", "dir", d.s.dir, "err", err, "poll", d.poll)
		d.watchOff()
	case !over && d.tooMany:
		d.s.log.Info("cache: few enough files in the credentials directory to watch again", "dir", d.s.dir)
	}
	d.tooMany = over
	return err
}

// watchOff tells the feed, if it is the cache's, that polling is now the
// store's choice: its change feed is off, as with WithWatch(false), not
// down (see Cache.Ready).
func (d *dirWatch) watchOff() {
	if d.cache != nil {
		d.cache.watchOff()
	}
}

// closed handles the watcher's channels closing under it.
func (d *dirWatch) closed() {
	d.dropMark()
	d.w = nil
	d.lost()
}

// check runs each poll interval: while healthy, it checks that the path
// still names the directory watched; otherwise it tries to watch again.
func (d *dirWatch) check() {
	s := d.s
	if d.gaveUp {
		return
	}
	if d.healthy {
		if !d.stillWatched() {
			// The directory watched is no longer the one at the path, or
			// the watch went away unannounced (fsnotify drops an
			// unmount's events), and no event will tell what happens at
			// the path.
			s.log.Warn("cache: credentials directory path names another directory; watching it again", "dir", s.dir)
			d.lost()
		} else if d.checkEntries() != nil {
			d.lost()
			return
		} else {
			return
		}
	}
	if d.w == nil {
		d.start()
	} else {
		d.add()
	}
	if d.healthy {
		s.log.Info("cache: watching for changes again", "dir", s.dir)
	}
}

// stillWatched reports whether the path still names the directory
// watched, and fsnotify still holds the watch.
func (d *dirWatch) stillWatched() bool {
	fi, err := os.Stat(d.s.dir)
	return err == nil && os.SameFile(fi, d.watched) && slices.Contains(d.w.WatchList(), d.s.dir)
}

// sweep checks the next share of the records served while the watch
// works against their files, so that each is checked once per poll
// interval, and reports those whose file changed unseen (see servedSet)
// or that the feed no longer holds. While the watch does not work,
// every cached record is polled and there is nothing to check.
func (d *dirWatch) sweep() {
	if !d.healthy {
		return
	}
	d.batch = d.served.batch(d.batch[:0], sweepSteps, sweepLimit(d.poll))
	for _, r := range d.batch {
		cached := d.cache == nil || d.cache.holds(r.user)
		if !cached && !r.missed {
			d.served.miss(r) // perhaps read and not yet cached: look again next time
			continue
		}
		if cached {
			// A user name holds no '/' and does not start with '.': the
			// path names a file in the directory.
			stamp, err := fsys.Lstat(d.s.dir + string(filepath.Separator) + recordName(r.user))
			if err == nil && stamp == r.stamp {
				continue
			}
		}
		// Changed first, so that a read of the record in progress is
		// not cached (see memo.add) once it is no longer checked.
		d.feed.Changed(r.user)
		d.served.remove(r)
	}
}

// lost marks notifications as untrustworthy and schedules a new watch.
func (d *dirWatch) lost() {
	if d.w != nil {
		d.w.Remove(d.s.dir)
	}
	d.setHealthy(false)
	d.feed.Reporting(false)
	d.feed.ChangedAll()
	d.retry.Reset(d.poll)
}

// dispatch turns one event into what it means for cached records. An
// event on "<user>.json" concerns that user; the package's own temporary
// and lock files concern nobody; any other name (a Kubernetes "..data"
// swap, an editor's file) may stand for any record. A change of
// attributes alone changes no record.
func (s *dirStore) dispatch(feed Feed, ev fsnotify.Event) {
	if ev.Op&^fsnotify.Chmod == 0 {
		return
	}
	name := filepath.Base(ev.Name)
	if strings.HasPrefix(name, ownPrefix) {
		return
	}
	if user, ok := strings.CutSuffix(name, recordExt); ok && checkUser(user) == nil {
		feed.Changed(user)
		return
	}
	feed.ChangedAll()
}
