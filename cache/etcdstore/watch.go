package etcdstore

import (
	"context"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Watch implements [cache.Store]: one etcd watch on the prefix, and a
// heartbeat that proves, about every timing.Window/4, that the watch has
// delivered every change committed until then. See the package
// documentation, "The feed and its heartbeat", for how.
//
// Each etcd watch has a clientv3.Watcher of its own on the Store's
// client, closed when the watch ends, which ends the gRPC stream it
// opened even while it reconnects. Stop cancels the watch and waits
// until the last call to feed has returned and every Watcher it made is
// closed; it never closes the client. Stop may be called more than once.
func (s *Store) Watch(feed cache.Feed, timing cache.FeedTiming) (stop func()) {
	poll := timing.Poll
	if poll <= 0 {
		poll = time.Second
	}
	window := min(timing.Window, poll)
	if window <= 0 {
		window = poll
	}
	// WithRequireLeader: a member cut off from the rest of its cluster
	// ends the watch, and refuses the heartbeat's reads, with ErrNoLeader
	// rather than keep them open and silent.
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	w := &watch{
		s:      s,
		feed:   feed,
		poll:   poll,
		window: window,
		beat:   max(window/4, time.Millisecond),
		ctx:    ctx,
		log:    logger(s.client).With(zap.String("prefix", s.prefix)),
		opened: make(chan opened),
		reads:  make(chan readResult),
		health: health{started: time.Now()},
	}
	exited := make(chan struct{})
	go w.run(exited)
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-exited
		})
	}
}

// watch is the state of one Watch. Only its run goroutine touches it,
// and only that goroutine calls the feed; helper goroutines, which may
// block on the network, hand their results over through channels.
type watch struct {
	s      *Store
	feed   cache.Feed
	poll   time.Duration
	window time.Duration
	beat   time.Duration // period of the heartbeat: window/4
	ctx    context.Context
	log    *zap.Logger

	opened  chan opened
	reads   chan readResult
	helpers sync.WaitGroup

	sess *session // the etcd watch; nil between one and the next

	// lastRev: every change up to this revision has been reported to
	// the feed. 0 before the first watch is created, and after a
	// compaction: the next watch then starts at the current revision.
	lastRev int64

	// proofs are the heartbeat's reads whose revision the watch has not
	// reported up to yet.
	proofs  []proof
	reading int    // reads in flight
	failing bool   // the last read to end failed
	health  health // whether etcd answers them

	// confirmed: every change committed before this moment has been
	// reported. The deadline fires when it is lossAfter old.
	confirmed time.Time
	deadline  *time.Timer
	reporting bool
	lostAt    time.Time // when the feed last stopped reporting

	clientGone bool // the client was closed: nothing more to try
}

// session is one etcd watch on the prefix, on a clientv3.Watcher, and
// so a gRPC stream, of its own: every progress notification on that
// stream comes after the watch was created, and closing the Watcher
// releases the stream whatever state it is in.
type session struct {
	watcher clientv3.Watcher
	ctx     context.Context
	cancel  context.CancelFunc
	events  clientv3.WatchChan // nil until clientv3 hands it over
	fresh   bool               // starts at the current revision: lastRev unknown
	heard   bool               // got a response since the deadline last fired
	created bool               // etcd created the watch

	// progress asks the session's progress helper for a progress
	// notification; buffered 1, so that requests made while one is
	// being sent count as one.
	progress chan struct{}
}

// opened hands run the channel of a session's watch.
type opened struct {
	sess   *session
	events clientv3.WatchChan
}

// lossAfter is how long after the last proof the feed stops reporting:
// within the poll interval, as the contract asks, with room for the
// timer to be late.
func (w *watch) lossAfter() time.Duration { return w.poll - w.poll/8 }

// run is the watch's goroutine; it returns, once every helper has, when
// the watch is stopped.
func (w *watch) run(exited chan<- struct{}) {
	defer close(exited)
	defer w.helpers.Wait()
	defer w.health.leave(w.s)
	defer w.endSession()
	tick := time.NewTicker(w.beat)
	defer tick.Stop()
	w.deadline = time.NewTimer(w.lossAfter())
	defer w.deadline.Stop()
	clientDone := w.s.client.Ctx().Done()

	w.startSession()
	w.startRead()
	for {
		var events clientv3.WatchChan
		if w.sess != nil {
			events = w.sess.events
		}
		select {
		case <-w.ctx.Done():
			return
		case o := <-w.opened:
			w.onOpened(o)
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
	ctx, cancel := context.WithCancel(w.ctx)
	sess := &session{
		watcher:  clientv3.NewWatcher(w.s.client),
		ctx:      ctx,
		cancel:   cancel,
		fresh:    w.lastRev == 0,
		progress: make(chan struct{}, 1),
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCreatedNotify()}
	if !sess.fresh {
		opts = append(opts, clientv3.WithRev(w.lastRev))
	}
	w.sess = sess
	w.helpers.Go(func() {
		events := sess.watcher.Watch(ctx, w.s.prefix, opts...)
		select {
		case w.opened <- opened{sess, events}:
		case <-ctx.Done():
		}
	})
}

// endSession ends the session's watch, if any, and closes its Watcher.
// Closing waits for clientv3's goroutines of the stream: a helper does.
func (w *watch) endSession() {
	sess := w.sess
	if sess == nil {
		return
	}
	w.sess = nil
	sess.cancel()
	w.helpers.Go(func() { sess.watcher.Close() })
}

func (w *watch) onOpened(o opened) {
	if o.sess == w.sess {
		w.sess.events = o.events
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
		sess.created = true
		w.helpers.Go(func() { w.sendProgress(sess) })
		if sess.fresh {
			// Every change up to the watch's start is reported by
			// dropping every entry.
			w.lastRev = resp.Header.Revision
			w.feed.ChangedAll()
		}
		w.advance(0)
		w.startRead()
	case resp.IsProgressNotify():
		// Every event up to the revision has come before this.
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
	if ok && cache.CheckName(user) == nil {
		w.feed.Changed(user)
		return
	}
	w.feed.ChangedAll()
}

// logger returns the client's logger, where the watch reports the feed's
// loss and recovery.
func logger(c *clientv3.Client) *zap.Logger {
	if lg := c.GetLogger(); lg != nil {
		return lg
	}
	return zap.NewNop()
}
