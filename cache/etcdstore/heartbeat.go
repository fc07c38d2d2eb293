package etcdstore

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// minReadBound is the least time a heartbeat read is given, however
// short the window: a loaded etcd or host answers in tens of
// milliseconds.
const minReadBound = 100 * time.Millisecond

// maxProofs bounds the reads waiting for the watch to catch up with
// them; the oldest give way.
const maxProofs = 64

// readResult is the outcome of a linearizable read sent at a moment.
type readResult struct {
	at  time.Time
	rev int64
	err error
}

// proof: once lastRev reaches rev, every change committed before at has
// been reported.
type proof struct {
	at  time.Time
	rev int64
}

// onTick is the heartbeat: each beat it reads, so that a proof is never
// more than about a beat old, and asks for progress while a read waits
// for the watch to catch up. With no session, it starts one.
func (w *watch) onTick() {
	if w.clientGone {
		return
	}
	if w.sess == nil {
		w.startSession()
	}
	w.startRead()
	if len(w.proofs) > 0 {
		w.requestProgress()
	}
}

// startRead starts a linearizable read, whose revision covers every
// change committed before it was sent. A read is bounded, so that one
// sent to a member that froze gives way to the next beat's, which goes
// to the next member: an answer later than the window proves too little
// to matter. While the feed is not reporting and reads fail, one is in
// flight at a time. Stopping the watch does not cancel a read, which
// clientv3 would log as a failure: it waits for it, within the bound.
func (w *watch) startRead() {
	if w.clientGone || w.failing && !w.reporting && w.reading > 0 {
		return
	}
	w.reading++
	at := time.Now()
	bound := max(2*w.window, minReadBound)
	w.helpers.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), bound)
		defer cancel()
		r := readResult{at: at}
		resp, err := w.s.client.Get(ctx, w.s.prefix, clientv3.WithCountOnly())
		if err != nil {
			r.err = err
		} else {
			r.rev = resp.Header.Revision
		}
		select {
		case w.reads <- r:
		case <-w.ctx.Done():
		}
	})
}

func (w *watch) onRead(r readResult) {
	w.reading--
	w.failing = r.err != nil
	w.health.read(w, r.err)
	if r.err != nil {
		w.log.Debug("etcdstore: heartbeat read failed", zap.Error(r.err))
		return
	}
	if r.rev <= w.lastRev {
		w.confirm(r.at)
		return
	}
	if len(w.proofs) == maxProofs {
		w.proofs = append(w.proofs[:0], w.proofs[1:]...)
	}
	w.proofs = append(w.proofs, proof{at: r.at, rev: r.rev})
	w.requestProgress()
}

// advance notes that every change up to rev has been reported, and
// confirms the latest read that this covers.
func (w *watch) advance(rev int64) {
	w.lastRev = max(w.lastRev, rev)
	var latest time.Time
	kept := w.proofs[:0]
	for _, p := range w.proofs {
		if p.rev > w.lastRev {
			kept = append(kept, p)
		} else if p.at.After(latest) {
			latest = p.at
		}
	}
	w.proofs = kept
	if !latest.IsZero() {
		w.confirm(latest)
	}
}

// confirm notes that every change committed before at has been
// reported: it reports again if the feed was not, and tells the feed it
// caught up.
func (w *watch) confirm(at time.Time) {
	if w.sess == nil || !w.sess.created {
		return // no watch would report the next change
	}
	if at.After(w.confirmed) {
		w.confirmed = at
		w.deadline.Reset(time.Until(at.Add(w.lossAfter())))
	}
	if !w.reporting {
		if !at.After(w.lostAt) {
			return // changes made since the loss may be unreported
		}
		w.reporting = true
		w.feed.Reporting(true)
		if !w.lostAt.IsZero() {
			w.log.Info("etcdstore: change feed reporting again")
		}
	}
	w.feed.CaughtUp(at)
}

// lose tells the feed that changes may go unreported. It first drops
// every entry, so that what the feed proved before the loss serves
// nothing after it: the cache then trusts an entry for the trust window
// past its read only.
func (w *watch) lose(why string) {
	if w.reporting {
		w.reporting = false
		w.lostAt = time.Now()
		w.feed.ChangedAll()
		w.feed.Reporting(false)
		w.log.Warn("etcdstore: change feed lost; cached records are read again, then trusted for the trust window only",
			zap.String("reason", why), zap.Duration("window", w.window))
	}
}

// requestProgress asks etcd, through the session's progress helper, to
// send on the session's stream the revision up to which it has sent
// every change. etcd answers only once it has caught the watch up.
func (w *watch) requestProgress() {
	if w.sess == nil || !w.sess.created {
		return
	}
	select {
	case w.sess.progress <- struct{}{}:
	default: // one is already asked for
	}
}

// sendProgress hands the session's progress requests to clientv3, which
// blocks while it reconnects the stream, until the session ends.
func (w *watch) sendProgress(sess *session) {
	for {
		select {
		case <-sess.ctx.Done():
			return
		case <-sess.progress:
			// The session's context is the key of its stream.
			_ = sess.watcher.RequestProgress(sess.ctx)
		}
	}
}

// onDeadline fires when nothing has proved for lossAfter that the watch
// caught up: the feed stops reporting, and a session that has been
// silent meanwhile is replaced by one that resumes from lastRev. One
// that was heard (it may be catching up on many changes) is given
// another poll interval.
func (w *watch) onDeadline() {
	w.lose("heartbeat unanswered")
	w.health.check(w)
	w.deadline.Reset(w.poll)
	if w.sess == nil || w.clientGone {
		return
	}
	if w.sess.heard {
		w.sess.heard = false
		return
	}
	w.log.Debug("etcdstore: watch silent; starting it again", zap.Int64("from", w.lastRev))
	w.endSession()
	w.startSession()
}

// health is what a watch knows of etcd's reach, from its heartbeat's
// reads: etcd is out of reach while the feed is not reporting and no
// read has been answered for a poll interval (since the watch started,
// at first). While any watch finds it so, the Store's calls fail at once
// with ErrUnreachable; the heartbeat's reads go on, and the first
// answered ends it.
type health struct {
	started  time.Time // when the watch started
	answered time.Time // when a read was last answered; zero if never
	down     bool      // counted in the Store's down
}

// read notes the outcome of a heartbeat read.
func (h *health) read(w *watch, err error) {
	if err == nil {
		h.answered = time.Now()
		if h.down {
			h.down = false
			w.s.down.Add(-1)
			w.log.Info("etcdstore: etcd answers again")
		}
		return
	}
	h.check(w)
}

// check marks etcd out of reach if it is.
func (h *health) check(w *watch) {
	if h.down || w.reporting || w.clientGone {
		return
	}
	since := h.started
	if !h.answered.IsZero() {
		since = h.answered
	}
	if time.Since(since) < w.poll {
		return
	}
	h.down = true
	w.s.down.Add(1)
	w.log.Warn("etcdstore: etcd out of reach; calls fail at once until it answers",
		zap.Duration("unanswered_for", time.Since(since).Round(time.Millisecond)))
}

// leave takes the watch out of the Store's count, when it stops.
func (h *health) leave(s *Store) {
	if h.down {
		h.down = false
		s.down.Add(-1)
	}
}
