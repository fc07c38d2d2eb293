package cache

import (
	"os"
	"runtime"
	"time"

	"github.com/fsnotify/fsnotify"
)

// marker proves that a watcher has delivered every event of the directory
// up to a moment, which fsnotify does not tell by itself. It is a file of
// the store's own, outside the credentials directory (which may be
// read-only, as a Kubernetes Secret mount is), watched by the same
// watcher: inotify queues the events of one watcher in the order they
// happen (inotify(7)), and fsnotify hands them on in that order, so once
// the event of a write to the marker arrives, every change to the
// directory made before the write has been handed to the feed. Other
// platforms' watchers give no such order across files; there the marker
// proves that events are flowing and the loop is running.
type marker struct {
	f    *os.File
	name string
	sent time.Time // when the write in flight was made; zero if none
}

// newMarker makes the marker's file, in the system's directory for
// temporary files, and has w watch it. Its name starts with ownPrefix, so
// that an event of a marker given up (its late write, its removal) is
// taken for no change of a record. Under inotify the file is unlinked
// at once: the watch holds on to it, and nothing is left behind.
func newMarker(w *fsnotify.Watcher) (*marker, error) {
	f, err := os.CreateTemp("", ownPrefix+"sync-*")
	if err != nil {
		return nil, err
	}
	m := &marker{f: f, name: f.Name()}
	if err := w.Add(m.name); err != nil {
		m.close(nil)
		return nil, err
	}
	if runtime.GOOS == "linux" {
		os.Remove(m.name)
	}
	return m, nil
}

// send writes to the marker, unless a write is in flight, and reports
// whether one now is. A write that went unanswered for longer than
// lost is given up, together with the file: its event may still come,
// and must not be taken for a newer one's.
func (m *marker) send(lost time.Duration) bool {
	if !m.sent.IsZero() {
		return time.Since(m.sent) < lost
	}
	m.sent = time.Now()
	if _, err := m.f.WriteAt([]byte{0}, 0); err != nil {
		m.sent = time.Time{}
		return false
	}
	return true
}

// arrived handles an event of the marker's file: if it is that of the
// write in flight, it returns when the write was made.
func (m *marker) arrived(ev fsnotify.Event) (sent time.Time, ok bool) {
	if ev.Op&fsnotify.Write == 0 || m.sent.IsZero() {
		return time.Time{}, false
	}
	sent, m.sent = m.sent, time.Time{}
	return sent, true
}

// close stops w watching the marker, closes its file and removes it
// where it is still there.
func (m *marker) close(w *fsnotify.Watcher) {
	if w != nil {
		w.Remove(m.name)
	}
	m.f.Close()
	os.Remove(m.name)
}
