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

// Watch implements [cache.Store]: one etcd watch on the prefix, and a
// heartbeat that tells whether it still reports every change. See the
// package documentation, "The feed and its heartbeat", for how.
//
// The watch has a clientv3.Watcher of its own on the Store's client, so
// that its progress requests and responses share a gRPC stream with no
// other watch. Stop cancels the watch, waits until the last call to feed
// has returned, and closes that Watcher; it never closes the client. Stop
// may be called more than once.
func (s *Store) Watch(feed cache.Feed, poll time.Duration) (stop func()) {
	// WithRequireLeader: a member cut off from the rest of its cluster
	// ends the watch with ErrNoLeader rather than keep it open and
	// silent.
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	beat := max(poll/4, time.Millisecond)
	w := &watch{
		s:       s,
		feed:    feed,
		poll:    poll,
		beat:    beat,
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
	// the feed; 0 before the first watch is created, and after a
	// compaction, when the next watch starts at the current revision.
	lastRev int64

	// confirmed: every change committed before this moment has been
	// reported; the deadline fires when it is poll-beat old.
	confirmed time.Time
	deadline  *time.Timer
	reporting bool

	// probe is when the unanswered progress request of the session was
	// sent, zero if none is. Only one is ever outstanding, so that an
	// answer tells which moment it vouches for.
	probe time.Time

	// tainted: a progress request of the session went unanswered for a
	// beat. It may still be answered, and that answer cannot be told
	// from the answer to a later request: from then on the session is
	// confirmed by linearizable reads only, its progress responses
	// serving to advance lastRev.
	tainted bool

	reading bool    // a linearizable read is in flight
	barrier barrier // its result, waiting for lastRev to reach it

	clientGone bool // the client was closed: nothing more to try
}

// session is one etcd watch on the prefix, on a gRPC stream of its own.
type session struct {
	ctx    context.Context // carries the session's own stream key
	cancel context.CancelFunc
	events clientv3.WatchChan // nil until etcd has created the watch
	fresh  bool               // starts at the current revision: lastRev unknown
	heard  bool               // got a response since the deadline last fired

	// caughtUp: from then on, etcd has probably caught the watch up to
	// the current revision, and answers progress requests; see onTick.
	caughtUp time.Time
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
	w.deadline = time.NewTimer(w.poll - w.beat)
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
			w.log.Warn("etcdstore: client closed; the change feed has stopped")
			w.lose()
		}
	}
}

// startSession starts a watch from the revision after lastRev, or from
// the current revision if lastRev is unknown. etcd answers with the
// changes since lastRev, if it still has them, before the new ones.
// clientv3 returns the watch's channel only once etcd has created it,
// which it may never do while the connection is down: a helper waits.
func (w *watch) startSession() {
	// A distinct metadata value makes clientv3 open a gRPC stream for
	// this session alone, so that no answer to an earlier session's
	// progress request can be taken for an answer to this one's.
	ctx := metadata.AppendToOutgoingContext(w.ctx, "fixiecreds-watch", strconv.FormatUint(sessions.Add(1), 10))
	ctx, cancel := context.WithCancel(ctx)
	sess := &session{ctx: ctx, cancel: cancel, fresh: w.lastRev == 0}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCreatedNotify()}
	if !sess.fresh {
		opts = append(opts, clientv3.WithRev(w.lastRev+1))
	}
	w.sess, w.probe, w.tainted = sess, time.Time{}, false
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
	w.probe, w.tainted = time.Time{}, false
}

func (w *watch) onCreated(c created) {
	if c.sess != w.sess {
		return // a session ended before etcd created its watch
	}
	w.sess.events = c.events
}

// onResponse handles one response of the session's watch, or its end.
func (w *watch) onResponse(resp clientv3.WatchResponse, ok bool) {
	w.sess.heard = true
	switch {
	case !ok:
		// The watch ended without saying why: clientv3 was closed.
		w.lose()
		w.endSession()
	case resp.CompactRevision != 0:
		// The changes after lastRev are gone: drop every entry (once
		// the next watch is created) and start from the current
		// revision.
		w.log.Warn("etcdstore: revisions since the last change seen were compacted; dropping every cached record",
			zap.Int64("last_seen", w.lastRev), zap.Int64("compacted", resp.CompactRevision))
		w.lose()
		w.endSession()
		w.lastRev = 0
		if !w.clientGone {
			w.startSession()
		}
	case resp.Err() != nil:
		// ErrNoLeader, a permission revoked, the client closing: the
		// next beat tries again.
		w.log.Debug("etcdstore: watch ended; starting it again", zap.Error(resp.Err()))
		w.lose()
		w.endSession()
	case resp.Created:
		if w.sess.fresh {
			// Every change up to the watch's start is covered by
			// dropping every entry.
			w.lastRev = resp.Header.Revision
			w.feed.ChangedAll()
			w.sendProbe()
			return
		}
		// etcd drops progress requests until it has sent the changes
		// since lastRev, which it does every 100 ms.
		w.sess.caughtUp = time.Now().Add(w.beat / 2)
	case resp.IsProgressNotify():
		if !w.probe.IsZero() && !w.tainted {
			// Sent on this session's stream, which has only this
			// request outstanding: the answer is to it.
			at := w.probe
			w.probe = time.Time{}
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
	if w.sess == nil || w.sess.events == nil {
		return // no watch would report the next change
	}
	if at.After(w.confirmed) {
		w.confirmed = at
		w.deadline.Reset(time.Until(at.Add(w.poll - w.beat)))
	}
	if !w.reporting {
		w.reporting = true
		w.feed.Reporting(true)
		w.log.Info("etcdstore: change feed reporting")
	}
}

// lose tells the feed that changes may go unreported.
func (w *watch) lose() {
	if w.reporting {
		w.reporting = false
		w.feed.Reporting(false)
		w.log.Warn("etcdstore: change feed lost; cached records are trusted for the poll interval only",
			zap.Duration("poll", w.poll))
	}
}

// onTick is the heartbeat. With no session, it starts one. On a session
// whose progress requests are answered, it sends one if none is
// outstanding. Once one goes unanswered for a beat (etcd drops progress
// requests while the watch catches up; a connection may have died), it
// reads linearizably each beat, and asks for progress to move lastRev up
// to what the read returns.
func (w *watch) onTick() {
	switch {
	case w.clientGone:
	case w.sess == nil:
		w.startSession()
	case w.sess.events == nil:
		// etcd has not created the watch yet; the deadline bounds the
		// wait.
	case !w.tainted && w.probe.IsZero():
		if time.Now().After(w.sess.caughtUp) {
			w.sendProbe()
		}
	case !w.tainted && time.Since(w.probe) < w.beat:
	default:
		w.tainted = true
		w.requestProgress()
		w.startRead()
	}
}

// sendProbe sends a progress request, to be answered with the revision up
// to which every change has been sent on the session.
func (w *watch) sendProbe() {
	if w.tainted || !w.probe.IsZero() {
		return
	}
	at := time.Now()
	if w.requestProgress() {
		w.probe = at
	}
}

// requestProgress asks etcd to send, on the session's stream, the
// revision up to which it has sent every change. etcd answers only once
// the watch has caught up.
func (w *watch) requestProgress() bool {
	// The session's context is the key of its stream; clientv3 blocks
	// while the stream reconnects.
	ctx, cancel := context.WithTimeout(w.sess.ctx, w.beat/2)
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

// onDeadline fires when nothing has confirmed the feed for poll-beat:
// the feed stops reporting, and a session that has been silent meanwhile
// is replaced by one that resumes from lastRev. One that was heard (it
// may be catching up on many changes) is given another poll.
func (w *watch) onDeadline() {
	w.lose()
	w.deadline.Reset(w.poll)
	if w.sess == nil || w.clientGone {
		return
	}
	if w.sess.heard {
		w.sess.heard = false
		return
	}
	w.log.Debug("etcdstore: watch silent; starting it again", zap.Int64("from", w.lastRev+1))
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
