package etcdstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/metadata"

	"github.com/fixiecreds/fixiecreds/cache"
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

// Watch implements [cache.Store]: one etcd watch on the prefix, and a
// heartbeat that tells whether it still reports every change. See the
// package documentation, "The feed and its heartbeat", for how.
//
// The watch has a clientv3.Watcher of its own on the Store's client.
// Stop cancels the watch, waits until the last call to feed has
// returned, and closes that Watcher, which ends the gRPC streams it
// opened; it never closes the client. Stop may be called more than once.
func (s *Store) Watch(feed cache.Feed, poll time.Duration) (stop func()) {
	// WithRequireLeader: a member cut off from the rest of its cluster
	// ends the watch with ErrNoLeader rather than keep it open and
	// silent.
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	w := &watch{
		s:       s,
		feed:    feed,
		poll:    poll,
		beat:    max(poll/4, time.Millisecond),
		ctx:     ctx,
		watcher: clientv3.NewWatcher(s.client),
		log:     logger(s.client).With(zap.String("prefix", s.prefix)),
		created: make(chan created),
		reads:   make(chan readResult),
	}
	exited := make(chan struct{})
	go w.run(exited)
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-exited
			w.watcher.Close()
		})
	}
}

// watch is the state of one Watch. Only its run goroutine touches it,
// and only that goroutine calls the feed; helper goroutines, which may
// block on the network, hand their results over through channels.
type watch struct {
	s       *Store
	feed    cache.Feed
	poll    time.Duration
	beat    time.Duration // period of the heartbeat: poll/4
	ctx     context.Context
	watcher clientv3.Watcher
	log     *zap.Logger

	created chan created
	reads   chan readResult
	helpers sync.WaitGroup

	sess *session // the etcd watch; nil between one and the next

	// lastRev: every change up to this revision has been reported to
	// the feed. 0 before the first watch is created, and after a
	// compaction: the next watch then starts at the current revision.
	lastRev int64

	// confirmed: every change committed before this moment has been
	// reported. The deadline fires when it is poll-beat/2 old.
	confirmed time.Time
	deadline  *time.Timer
	reporting bool
	lostAt    time.Time // when the feed last stopped reporting

	reading bool    // a linearizable read is in flight
	barrier barrier // the latest read's result, until lastRev reaches it

	clientGone bool // the client was closed: nothing more to try
}

// session is one etcd watch on the prefix, on a gRPC stream of its own.
type session struct {
	ctx     context.Context // carries the key of the session's stream
	cancel  context.CancelFunc
	events  clientv3.WatchChan // nil until etcd has created the watch
	fresh   bool               // starts at the current revision: lastRev unknown
	heard   bool               // got a response since the deadline last fired
	created time.Time

	// probe is when the unanswered progress request was sent, zero if
	// none is: only one is outstanding at a time, so that an answer
	// tells which moment it vouches for.
	probe time.Time
	// firstProbe: the first progress request waits until then (see
	// catchUp).
	firstProbe time.Time

	// tainted: a progress request went unanswered for a beat. It may yet
	// be answered, and that answer could not be told from the answer to
	// a later request: from then on the session's progress responses
	// only move lastRev, reads vouch for moments, and the session is
	// replaced after a poll interval.
	tainted time.Time
}

// created hands run the channel of a session's watch.
type created struct {
	sess   *session
	events clientv3.WatchChan
}

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

// sessions numbers sessions, to give each a gRPC stream of its own.
var sessions atomic.Uint64

// run is the watch's goroutine; it returns, once every helper has, when
// the watch is stopped.
func (w *watch) run(exited chan<- struct{}) {
	defer close(exited)
	defer w.helpers.Wait()
	defer w.endSession()
	tick := time.NewTicker(w.beat)
	defer tick.Stop()
	w.deadline = time.NewTimer(w.poll - w.beat/2)
	defer w.deadline.Stop()
	clientDone := w.s.client.Ctx().Done()

	w.startSession()
	for {
		var events clientv3.WatchChan
		if w.sess != nil {
			events = w.sess.events
		}
		select {
		case <-w.ctx.Done():
			return
		case c := <-w.created:
			w.onCreated(c)
		case resp, ok := <-events:
			w.onResponse(resp, ok)
		case r := <-w.reads:
			w.onRead(r)
		case <-tick.C:
			w.onTick()
		case <-w.deadline.C:
			w.onDeadline()
		case <-clientDone:
			clientDone = nil
			w.clientGone = true
			w.lose("client closed")
			w.endSession()
		}
	}
}

// startSession starts a watch from lastRev, or from the current revision
// if lastRev is unknown. etcd first sends what changed since lastRev, if
// it still has it; the changes of lastRev itself come twice, which does
// no harm. A watch from the revision after lastRev would, while nothing
// is written, start in etcd's future, where etcd answers no progress
// request. clientv3 returns a watch's channel only once etcd has created
// it, which it may never do while the connection is down: a helper
// waits.
func (w *watch) startSession() {
	// A distinct metadata value makes clientv3 open a gRPC stream for
	// this session alone, so that no answer to an earlier session's
	// progress request can be taken for an answer to this one's.
	ctx := metadata.AppendToOutgoingContext(w.ctx, "fixiecreds-watch", strconv.FormatUint(sessions.Add(1), 10))
	ctx, cancel := context.WithCancel(ctx)
	sess := &session{ctx: ctx, cancel: cancel, fresh: w.lastRev == 0}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCreatedNotify()}
	if !sess.fresh {
		opts = append(opts, clientv3.WithRev(w.lastRev))
	}
	w.sess = sess
	w.helpers.Go(func() {
		events := w.watcher.Watch(ctx, w.s.prefix, opts...)
		select {
		case w.created <- created{sess, events}:
		case <-ctx.Done():
		}
	})
}

// endSession cancels the session's watch, if any.
func (w *watch) endSession() {
	if w.sess != nil {
		w.sess.cancel()
		w.sess = nil
	}
}

func (w *watch) onCreated(c created) {
	if c.sess == w.sess {
		w.sess.events = c.events
	} // else a session ended before etcd created its watch
}

// onResponse handles one response of the session's watch, or its end.
func (w *watch) onResponse(resp clientv3.WatchResponse, ok bool) {
	sess := w.sess
	sess.heard = true
	switch {
	case !ok:
		// clientv3 ended the watch without saying why.
		w.lose("watch ended")
		w.endSession()
	case resp.CompactRevision != 0:
		// The changes after lastRev are gone: every entry is dropped
		// once the next watch, from the current revision, is created.
		w.log.Warn("etcdstore: revisions since the last change seen were compacted; dropping every cached record",
			zap.Int64("last_seen", w.lastRev), zap.Int64("compacted", resp.CompactRevision))
		w.lose("compacted")
		w.endSession()
		w.lastRev = 0
		if !w.clientGone {
			w.startSession()
		}
	case resp.Err() != nil:
		// ErrNoLeader, a permission revoked: the next beat tries again.
		w.log.Debug("etcdstore: watch ended", zap.Error(resp.Err()))
		w.lose("watch ended")
		w.endSession()
	case resp.Created:
		sess.created = time.Now()
		if sess.fresh {
			// Every change up to the watch's start is reported by
			// dropping every entry. etcd answers progress requests on
			// such a watch at once.
			w.lastRev = resp.Header.Revision
			w.feed.ChangedAll()
			w.sendProbe()
			return
		}
		sess.firstProbe = sess.created.Add(catchUp)
		w.startRead()
	case resp.IsProgressNotify():
		if !sess.probe.IsZero() && sess.tainted.IsZero() {
			// This session's stream has had only this request
			// outstanding: the answer is to it.
			at := sess.probe
			sess.probe = time.Time{}
			w.advance(resp.Header.Revision)
			w.confirm(at)
			return
		}
		w.advance(resp.Header.Revision)
	case len(resp.Events) > 0:
		for _, ev := range resp.Events {
			w.changed(ev.Kv.Key)
		}
		// A response's header may be past its events while etcd
		// catches a watch up: only the events tell how far it got.
		w.advance(resp.Events[len(resp.Events)-1].Kv.ModRevision)
	}
}

// changed reports the change of a key under the prefix: a user's record,
// or, for a key that names no user, possibly anything.
func (w *watch) changed(key []byte) {
	user, ok := strings.CutPrefix(string(key), w.s.prefix)
	if ok && plausible(user) {
		w.feed.Changed(user)
		return
	}
	w.feed.ChangedAll()
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

// logger returns the client's logger, where the watch reports the feed's
// loss and recovery.
func logger(c *clientv3.Client) *zap.Logger {
	if lg := c.GetLogger(); lg != nil {
		return lg
	}
	return zap.NewNop()
}
