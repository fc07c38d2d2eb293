package cache

import (
	"context"
	"time"
)

// A Store keeps users' records for a [Cache]: the directory of [New], or
// any other storage given to [Open] (package cache/etcdstore keeps them in
// etcd). The cache decides; the store only keeps bytes, makes writes
// atomic, and reports changes. Everything a Store must guarantee is stated
// here, so that one can be written from this contract alone; the suite in
// package cache/storetest checks a Store against it.
//
// # Records and names
//
// A record is the exact bytes of a credentials file,
// {"email":…,"hashed_token":…,"user":…}, which the cache encodes and
// parses; a store never interprets them and never sees a token. The user
// names the cache gives a store always pass its checks (1 to 250 bytes of
// UTF-8, no '/', '\', NUL or control character, not starting with '.');
// since tools may call a store directly, a store refuses any other name
// with [CheckName]'s error rather than let it reach its storage.
// The cache never modifies a slice it passed to a store or got from one,
// and the names it passes to Read are strings of their own, which a store
// may keep.
//
// # Versions
//
// Read returns a record with its [Version]; CompareAndSwap changes the
// record only if it still has that version. A version must never be the
// same for two different contents of one user's record; it may repeat for
// the same content (the directory store uses a digest of the record; etcd
// uses the key's ModRevision).
//
// # Errors
//
// [ErrNotRegistered]: Read or Remove found no record. [ErrAlreadyRegistered]:
// Create found one. [ErrConflict]: CompareAndSwap found another version, or
// no record. Any other error means the call could not complete (a disk, a
// network, a context that ended); the cache passes it on, and Verify then
// fails rather than guess. A call whose context has already ended must
// change nothing and return an error wrapping the context's error. An error
// may name the user, never a record's content. A store reached over a
// network should bound a call whose context has no deadline.
//
// # Concurrency
//
// Every method is safe for concurrent use, and every guarantee holds
// across all handles on one storage, in any number of processes or hosts:
// of concurrent Creates of one name exactly one succeeds; of concurrent
// CompareAndSwaps from one version at most one does.
type Store interface {
	// Read returns the user's record; ErrNotRegistered if there is none.
	// A read sees every write that completed before it began.
	Read(ctx context.Context, user string) (Record, error)

	// Create stores data as the user's record only if the user has none,
	// in one atomic step; ErrAlreadyRegistered otherwise. Nothing ever
	// sees a part of data.
	Create(ctx context.Context, user string, data []byte) error

	// Put stores data as the user's record, whether or not it has one,
	// in one atomic step.
	Put(ctx context.Context, user string, data []byte) error

	// CompareAndSwap replaces the user's record by data, or removes it
	// if data is nil, provided the record's version is still old;
	// ErrConflict if it is not or the record is gone.
	CompareAndSwap(ctx context.Context, user string, old Version, data []byte) error

	// Remove removes the user's record; ErrNotRegistered if there is none.
	Remove(ctx context.Context, user string) error

	// List returns the names of the users that have a record, in any
	// order. The cache leaves out names it would refuse, so a store may
	// list every key it holds.
	List(ctx context.Context) ([]string, error)

	// Watch reports changes, made through any handle, to feed until the
	// returned stop is called; stop waits until the store has made its
	// last call to feed, and no call to feed comes after stop returns.
	// Watch may be called more than once, each feed on its own.
	//
	// A store tells the feed whether it is reporting: [Feed.Reporting]
	// (true) promises that every change made from then on will be
	// reported, by [Feed.Changed] for its user or [Feed.ChangedAll], as
	// soon as the store learns of it; and that every change made before
	// some moment after the feed last stopped reporting (after Watch was
	// called, at first) has been reported before it, if need be by
	// ChangedAll. While the feed does not report, before it first does
	// or after, the cache trusts an entry for timing.Window past its read
	// only, so that a feed lost never widens trust (the cache's own
	// directory store, which may be unwatchable by nature, is polled
	// until its feed first reports: timing.Poll). A store must call
	// Reporting(false) no later than timing.Poll after the moment from
	// which a change may go unreported (a connection that went silent must
	// be noticed within it), and should try to report again at least once
	// per timing.Poll. Reporting a change twice is harmless.
	//
	// Reporting is a promise about the future; [Feed.CaughtUp] is proof
	// about the past, and only proof earns trust: while reporting, the
	// cache answers from an entry only within timing.Window of the later
	// of the moment it read the entry and the last time passed to
	// CaughtUp. So that a process that was paused, or whose watching
	// goroutine was starved, never answers from entries whose changes
	// are still on their way, a store confirms, while reporting, well
	// within every timing.Window (the directory store does every
	// Window/2), each time with proof from the source of its
	// changes (an event that the source delivers after every earlier one,
	// a revision read in a linearizable way and then seen in the feed),
	// never from its own clock alone.
	//
	// Watch returns promptly: it may make a first attempt before it
	// returns (the directory store does, so that a cache on a healthy
	// directory reports from the start) but must not wait on a store that
	// is out of reach. The cache calls stop once.
	Watch(feed Feed, timing FeedTiming) (stop func())
}

// FeedTiming tells a [Store] how fresh the cache needs its change feed.
type FeedTiming struct {
	// Poll is how long an entry is trusted past its read while the store
	// is polled: with WithWatch(false), or a directory that is not
	// watched (see WithPollInterval).
	Poll time.Duration

	// Window is how long after the feed last caught up an entry is
	// trusted while it reports (see WithTrustWindow); at most Poll.
	Window time.Duration
}

// A Version identifies one content of a user's record in a [Store]. The
// cache only hands it back to CompareAndSwap.
type Version string

// A Record is a user's record as a [Store] holds it.
type Record struct {
	// Data is the record's exact bytes, as a credentials file holds them.
	Data []byte

	// Version is Data's version, for CompareAndSwap.
	Version Version

	// PollOnly reports a record that may change without the feed
	// reporting it, such as a file that has another name (a symbolic
	// link, a second hard link) through which it can be rewritten: the
	// cache then trusts it for the poll interval only, even while the
	// feed is reporting.
	PollOnly bool
}

// A Feed receives a [Store]'s change reports. The cache makes one for
// each Watch. Its methods are safe for concurrent use, quick, and never
// block on the store; a store may call them from any goroutine.
type Feed interface {
	// Changed reports that the user's record may have changed.
	Changed(user string)

	// ChangedAll reports that any record may have changed.
	ChangedAll()

	// Reporting tells whether changes are being reported from now on
	// (see [Store.Watch] for what true promises).
	Reporting(on bool)

	// CaughtUp reports that every change made before t has been
	// reported; t is a time taken with [time.Now] before the store
	// asked for the proof (see [Store.Watch]), and its monotonic reading
	// is what counts. It means nothing while the feed is not reporting.
	CaughtUp(t time.Time)
}
