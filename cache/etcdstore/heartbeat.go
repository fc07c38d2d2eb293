package etcdstore

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	// catchUp is how long after creating a watch that resumes from a
	// past revision the heartbeat waits before its first progress
	// request: etcd sends such a watch what it missed every 100 ms, and
	// drops progress requests until it has.
	catchUp = 200 * time.Millisecond

	// maxProgressWait bounds the wait to hand a progress request to
	// clientv3, which blocks while it reconnects the stream.
	maxProgressWait = 20 * time.Millisecond
)

// readResult is the outcome of a linearizable read sent at a moment.
type readResult struct {
	at  time.Time
	rev int64
	err error
}

// barrier: once lastRev reaches rev, every change committed before at has
// been reported.
type barrier struct {
	at  time.Time
	rev int64
}

// advance notes that every change up to rev has been reported.
func (w *watch) advance(rev int64) {
	w.lastRev = max(w.lastRev, rev)
	if !w.barrier.at.IsZero() && w.lastRev >= w.barrier.rev {
		at := w.barrier.at
		w.barrier = barrier{}
		w.confirm(at)
	}
}

// confirm notes that every change committed before at has been
// reported, and reports again if the feed was not.
func (w *watch) confirm(at time.Time) {
	if w.sess == nil || w.sess.created.IsZero() {
		return // no watch would report the next change
	}
	if at.After(w.confirmed) {
		w.confirmed = at
		w.deadline.Reset(time.Until(at.Add(w.poll - w.beat/2)))
	}
	if !w.reporting && at.After(w.lostAt) {
		// Every change since the feed stopped reporting is reported.
		w.reporting = true
		w.feed.Reporting(true)
		if !w.lostAt.IsZero() {
			w.log.Info("etcdstore: change feed reporting again")
		}
	}
}

// lose tells the feed that changes may go unreported.
func (w *watch) lose(why string) {
	if w.reporting {
		w.reporting = false
		w.lostAt = time.Now()
		w.feed.Reporting(false)
		w.log.Warn("etcdstore: change feed lost; cached records are trusted for the poll interval only",
			zap.String("reason", why), zap.Duration("poll", w.poll))
	}
}

// onTick is the heartbeat. With no session, it starts one. On a session,
// it sends a progress request if none is outstanding; once one has gone
// unanswered for a beat (etcd drops progress requests while it catches a
// watch up; a connection may have died), it asks for progress each beat
// to move lastRev up, and replaces the session after a poll interval.
// Whenever nothing has vouched for the last two beats, it reads.
func (w *watch) onTick() {
	sess := w.sess
	switch {
	case w.clientGone:
		return
	case sess == nil:
		w.startSession()
		return
	case sess.created.IsZero():
		// etcd has not created the watch yet; the deadline bounds the
		// wait. (A progress request for a stream that clientv3 has
		// closed would make it open the stream again, for nothing.)
		return
	case !sess.tainted.IsZero():
		if time.Since(sess.tainted) >= w.poll && time.Since(w.confirmed) < 2*w.beat {
			// Caught up: a new session, from lastRev, will have its
			// progress requests answered.
			w.endSession()
			w.startSession()
			return
		}
		w.requestProgress()
	case sess.probe.IsZero():
		if time.Now().After(sess.firstProbe) {
			w.sendProbe()
		}
	case time.Since(sess.probe) >= w.beat:
		sess.tainted = time.Now()
		w.requestProgress()
	}
	if time.Since(w.confirmed) >= 2*w.beat {
		w.startRead()
	}
}

// sendProbe sends a progress request whose answer vouches for the moment
// it was sent.
func (w *watch) sendProbe() {
	at := time.Now()
	if w.requestProgress() {
		w.sess.probe = at
	}
}

// requestProgress asks etcd to send, on the session's stream, the
// revision up to which it has sent every change. etcd answers only once
// it has caught the watch up.
func (w *watch) requestProgress() bool {
	// The session's context is the key of its stream.
	ctx, cancel := context.WithTimeout(w.sess.ctx, min(w.beat/4, maxProgressWait))
	defer cancel()
	return w.watcher.RequestProgress(ctx) == nil
}

// startRead starts a linearizable read, whose revision covers every
// change committed before it was sent.
func (w *watch) startRead() {
	if w.reading {
		return
	}
	w.reading = true
	at := time.Now()
	w.helpers.Go(func() {
		ctx, cancel := context.WithTimeout(w.ctx, w.poll)
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
	w.reading = false
	if r.err != nil {
		w.log.Debug("etcdstore: heartbeat read failed", zap.Error(r.err))
		return
	}
	if r.at.After(w.barrier.at) {
		w.barrier = barrier{at: r.at, rev: r.rev}
	}
	w.advance(0)
}

// onDeadline fires when nothing has vouched for the feed for
// poll-beat/2: the feed stops reporting, and a session that has been
// silent meanwhile is replaced by one that resumes from lastRev. One that
// was heard (it may be catching up on many changes) is given another
// poll interval.
func (w *watch) onDeadline() {
	w.lose("heartbeat unanswered")
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
