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
		opened:  make(chan opened),
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

	opened  chan opened
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
	events  clientv3.WatchChan // nil until clientv3 hands it over
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

// opened hands run the channel of a session's watch.
type opened struct {
	sess   *session
	events clientv3.WatchChan
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
		case w.opened <- opened{sess, events}:
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
