package cache

import (
	"crypto/sha256"
	"crypto/subtle"
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// entry is what the cache keeps of a record: what Verify needs, the name,
// the hash and when the token expires; the email stays in the store. It
// is never modified once cached.
//
// Expiries are kept on the memo clock, placed there by their distance
// from the wall clock when the record was read, so that Verify compares
// them with the one clock reading a lookup makes (see memo.lookup). A
// step of the wall clock after the read therefore moves no cached
// expiry: see "When the wall clock steps" in README.md.
type entry struct {
	hash     [sha256.Size]byte
	read     int64      // memo clock when the record was read; see memo.fresh
	expires  int64      // memo clock when the token stops verifying, or never
	prev     *prevToken // the token a Reset kept, or nil
	user     string     // also the entry's key in its shard
	pollOnly bool       // see Record.PollOnly
}

// prevToken is the token a Reset with KeepPrevious replaced.
type prevToken struct {
	hash    [sha256.Size]byte
	expires int64 // memo clock
}

// newEntry returns the entry of r, read at the memo clock read and the
// wall clock wall.
func newEntry(r *record, read int64, wall time.Time, pollOnly bool) *entry {
	e := &entry{hash: r.hash, read: read, expires: deadline(r.expires, read, wall), user: r.user, pollOnly: pollOnly}
	if r.hasPrev() {
		e.prev = &prevToken{hash: r.prevHash, expires: deadline(r.prevExpires, read, wall)}
	}
	return e
}

// check reports whether sum, the hash of a well-formed token, is the
// token p, at now on the memo clock: (true, nil); (false,
// ErrTokenExpired) past its grace; (false, nil) if it is not p. The hashes
// are compared in constant time.
func (p *prevToken) check(sum *[sha256.Size]byte, wellFormed bool, now int64) (bool, error) {
	switch {
	case subtle.ConstantTimeCompare(sum[:], p.hash[:]) != 1 || !wellFormed:
		return false, nil
	case now < p.expires:
		return true, nil
	}
	return false, ErrTokenExpired
}

// memo is the in-memory cache of records and of names known to have none.
//
// A hit takes no lock and writes no memory that every hit writes (one hit
// in 64 adds to one of eight striped counters, see memoStats): names
// are spread by a keyed hash over shards, each holding two immutable
// tables behind atomic pointers; a writer (a record read from the store,
// a change reported) copies one shard's table under that shard's lock.
// Shards are small (about 32 users each at the bound), so a copy costs
// little, and an anonymous client cannot aim names at one shard. A table
// is sorted by the names' hash, computed once per lookup for both the
// shard and the search.
//
// Each kind of entry has its own bound, so that a flood of unknown names
// never evicts a registered user; past it, a random entry of the shard
// written makes room. A lookup reads the monotonic clock once, to tell
// whether what it found may be trusted (see memo.fresh).
type memo struct {
	poll   time.Duration
	window time.Duration        // see WithTrustWindow
	clock  func() time.Duration // monotonic; see memo.now
	seed   maphash.Seed
	mask   uint64 // len(shards)-1
	// shards are padded to a cache line each, so that a writer locking
	// one does not slow readers of its neighbours.
	shards []memoShard

	// trusted is set while the store's feed reports changes; caughtUp
	// is then the memo clock of the latest moment before which the feed
	// is known to have reported every change. polling is set until the
	// feed first reports, and once the store polls by its own choice
	// (see memo.fresh).
	trusted  atomic.Bool
	polling  atomic.Bool
	caughtUp atomic.Int64

	relist chan struct{} // asks the lister to list names; see memonames.go

	users, unknown sizeBound
	stats          memoStats
}

// memoShard is one shard of a memo.
type memoShard struct {
	users   atomic.Pointer[table[*entry]]
	unknown atomic.Pointer[table[int64]] // name → memo clock when found absent
	names   atomic.Pointer[nameSet]      // hashes of the names that may have a record; nil: not known
	// gen is bumped by every drop in the shard, under mu; see Cache.load.
	gen atomic.Uint64
	mu  sync.Mutex
	_   [cacheLine - 40]byte
}

// noProof is the memo clock of the proof a feed gave when it gave none:
// long enough ago that no entry is ever trusted on it, and far enough
// from the least int64 that subtracting it from a memo clock reading
// cannot overflow.
const noProof = math.MinInt64 / 2

const (
	cacheLine = 64
	// shardTarget is the number of entries per shard at the bound.
	shardTarget = 32
	maxShards   = 4096
)

// slot is one entry of a table: a name, its hash, and what is cached.
type slot[V any] struct {
	hash uint64
	name string
	v    V
}

// table is an immutable list of slots sorted by hash.
type table[V any] []slot[V]

// find returns where name is in t, or where it would go, and whether it
// is there.
func (t table[V]) find(h uint64, name string) (int, bool) {
	lo, hi := 0, len(t)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if t[mid].hash < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(t) && t[i].hash == h; i++ {
		if t[i].name == name {
			return i, true
		}
	}
	return lo, false
}

// get returns what t holds for name.
func get[V any](p *table[V], h uint64, name string) (v V, ok bool) {
	if p == nil {
		return v, false
	}
	t := *p
	if i, ok := t.find(h, name); ok {
		return t[i].v, true
	}
	return v, false
}

// with returns a copy of *p (nil for none) with name set to v. At the
// bound, a random slot of the copy makes room; in an empty shard at the
// bound, nothing is added.
func with[V any](p *table[V], h uint64, name string, v V, b *sizeBound, evictions *atomic.Uint64) *table[V] {
	var old table[V]
	if p != nil {
		old = *p
	}
	i, replacing := old.find(h, name)
	if replacing {
		t := slices.Clone(old)
		t[i].v = v
		return &t
	}
	if b.reserve() {
		t := make(table[V], 0, len(old)+1)
		t = append(append(append(t, old[:i]...), slot[V]{h, name, v}), old[i:]...)
		return &t
	}
	if len(old) == 0 {
		return p
	}
	evictions.Add(1)
	victim := rand.IntN(len(old))
	t := slices.Clone(old)
	t = slices.Delete(t, victim, victim+1)
	if victim < i {
		i--
	}
	t = slices.Insert(t, i, slot[V]{h, name, v})
	return &t
}

// without returns a copy of *p without name, or p itself if name is not
// there.
func without[V any](p *table[V], h uint64, name string, b *sizeBound) *table[V] {
	if p == nil {
		return nil
	}
	i, ok := p.find(h, name)
	if !ok {
		return p
	}
	b.n.Add(-1)
	if len(*p) == 1 {
		return nil
	}
	t := slices.Delete(slices.Clone(*p), i, i+1)
	return &t
}

// sizeBound counts the entries of one kind across shards, against a bound.
type sizeBound struct {
	n   atomic.Int64
	max int64
}

// reserve takes room for one more entry, reporting false at the bound.
func (b *sizeBound) reserve() bool {
	for {
		n := b.n.Load()
		if n >= b.max {
			return false
		}
		if b.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// newMemo returns an empty memo. clock, if not nil, replaces the monotonic
// clock that tells whether an entry is older than poll or window.
func newMemo(maxUsers, maxUnknown int, t FeedTiming, clock func() time.Duration) *memo {
	if clock == nil {
		start := time.Now()
		clock = func() time.Duration { return time.Since(start) }
	}
	n := min(maxShards, 1<<bits.Len(uint((maxUsers-1)/shardTarget)))
	m := &memo{
		poll:    t.Poll,
		window:  t.Window,
		clock:   clock,
		seed:    maphash.MakeSeed(),
		mask:    uint64(n - 1),
		shards:  make([]memoShard, n),
		users:   sizeBound{max: int64(maxUsers)},
		unknown: sizeBound{max: int64(maxUnknown)},
		relist:  make(chan struct{}, 1),
	}
	m.caughtUp.Store(noProof)
	m.polling.Store(true)
	return m
}

// locate returns name's hash and shard.
func (m *memo) locate(name string) (uint64, *memoShard) {
	h := maphash.String(m.seed, name)
	return h, &m.shards[h&m.mask]
}

// now reads the memo clock, in nanoseconds.
func (m *memo) now() int64 { return int64(m.clock()) }

// fresh reports whether something cached at read may still be used, now
// being the memo clock. While the store reports changes, it may for
// window after the later of read and the moment the feed last caught up:
// trust rests on proof that every change up to a recent moment has been
// seen, never on the absence of news, which a paused process or a starved
// watch would also show. While a feed that reported is down, it may for
// window after read: the read is then the only proof. Only while the
// store polls (its feed has never reported, or is off by the store's
// choice), or if pollOnly, may it for poll after read.
func (m *memo) fresh(now, read int64, pollOnly bool) bool {
	if pollOnly || m.polling.Load() {
		return now-read < int64(m.poll)
	}
	proof := read
	if m.trusted.Load() {
		proof = max(read, m.caughtUp.Load())
	}
	return now-proof < int64(m.window)
}

// lookup returns the cached entry for user, or absent when the user is
// known to have no record, or neither, with the generation to pass to
// add or addUnknown after reading the store. fresh reports that the
// answer may be used; when it is false, e, if not nil, is a stale entry
// that only an outage may make use of (see Cache.get). now is the memo
// clock, read once, which also tells whether the entry's token has
// expired (see entry.check).
func (m *memo) lookup(user string) (e *entry, absent, fresh bool, gen uint64, now int64) {
	now = m.now()
	h, sh := m.locate(user)
	if e, _ = get(sh.users.Load(), h, user); e != nil {
		if m.fresh(now, e.read, e.pollOnly) {
			m.stats.hit()
			return e, false, true, 0, now
		}
	} else if set := sh.names.Load(); set != nil && !set.has(h) && m.fresh(now, noProof, false) {
		m.stats.hit()
		return nil, true, true, 0, now
	}
	if read, ok := get(sh.unknown.Load(), h, user); ok && m.fresh(now, read, false) {
		m.stats.hit()
		return nil, true, true, 0, now
	}
	m.stats.misses.Add(1)
	return e, false, false, sh.gen.Load(), now
}

// generation returns the generation of user's shard, to pass to add or
// addUnknown.
func (m *memo) generation(user string) uint64 {
	_, sh := m.locate(user)
	return sh.gen.Load()
}

// add caches e, under e.user, unless something was dropped from its
// shard since gen was taken: the record read may then be older than the
// change that caused the drop.
func (m *memo) add(gen uint64, e *entry) {
	h, sh := m.locate(e.user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen.Load() != gen {
		return
	}
	sh.unknown.Store(without(sh.unknown.Load(), h, e.user, &m.unknown))
	sh.users.Store(with(sh.users.Load(), h, e.user, e, &m.users, &m.stats.userEvictions))
	if set := sh.names.Load(); set != nil {
		sh.names.Store(set.withName(h))
	}
}

var _ cacheFeed = (*memo)(nil)

// holds reports whether a record is cached for user; it implements
// cacheFeed, for the directory store's sweep.
func (m *memo) holds(user string) bool {
	h, sh := m.locate(user)
	_, ok := get(sh.users.Load(), h, user)
	return ok
}

// addUnknown caches that user has no record, as add does. user is kept:
// it must not be a part of a longer string (Cache.load passes a copy).
func (m *memo) addUnknown(gen uint64, user string, read int64) {
	h, sh := m.locate(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen.Load() != gen {
		return
	}
	sh.users.Store(without(sh.users.Load(), h, user, &m.users))
	sh.unknown.Store(with(sh.unknown.Load(), h, user, read, &m.unknown, &m.stats.unknownEvictions))
}

// Changed drops what is cached for user; it implements [Feed].
func (m *memo) Changed(user string) {
	h, sh := m.locate(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.gen.Add(1)
	sh.users.Store(without(sh.users.Load(), h, user, &m.users))
	sh.unknown.Store(without(sh.unknown.Load(), h, user, &m.unknown))
	if set := sh.names.Load(); set != nil {
		sh.names.Store(set.withName(h))
	}
}

// ChangedAll drops everything; it implements [Feed].
func (m *memo) ChangedAll() {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		sh.gen.Add(1)
		if p := sh.users.Swap(nil); p != nil {
			m.users.n.Add(-int64(len(*p)))
		}
		if p := sh.unknown.Swap(nil); p != nil {
			m.unknown.n.Add(-int64(len(*p)))
		}
		sh.names.Store(nil)
		sh.mu.Unlock()
	}
	m.relistSoon()
}

// Reporting implements [Feed]: while on, entries are trusted as long as
// the feed keeps catching up (see memo.fresh). A proof given before the
// feed stopped reporting proves nothing after it; once it has reported,
// the store no longer counts as polling. The names are listed again once
// the feed is trusted: the lister lists only then, and a request made
// before would be spent on a lister that finds it not yet trusted.
func (m *memo) Reporting(on bool) {
	if on {
		m.polling.Store(false)
	} else {
		m.caughtUp.Store(noProof)
		m.dropNames()
	}
	if m.trusted.Swap(on) || on {
		m.stats.lastReported.Store(time.Now().UnixNano())
	}
	if on {
		m.relistSoon()
	}
}

// CaughtUp implements [Feed]. t is placed on the memo clock by its
// distance from now, so that a test clock and the real one agree.
func (m *memo) CaughtUp(t time.Time) {
	at := m.now() - int64(time.Since(t))
	for {
		old := m.caughtUp.Load()
		if at <= old || m.caughtUp.CompareAndSwap(old, at) {
			return
		}
	}
}

// watchOff records that the store polls by its own choice from now on (a
// directory with too many files to watch): the feed is then off, as if
// it had never reported, rather than down, for Stats and Ready; it
// implements cacheFeed.
func (m *memo) watchOff() {
	// Whoever sees the feed off sees it off by choice.
	m.stats.lastReported.Store(0)
	m.trusted.Store(false)
	m.caughtUp.Store(noProof)
	// Entries read while the feed was down were trusted for the window
	// past their read: polling must not extend that to the poll interval.
	// ChangedAll forgets the names listed too.
	m.ChangedAll()
	m.polling.Store(true)
}

// sizes returns how many users and unknown names are cached.
func (m *memo) sizes() (users, unknown int) {
	return int(m.users.n.Load()), int(m.unknown.n.Load())
}

// memoStats counts what a memo does. Misses, loads and evictions happen
// on the cold path and are counted exactly; a hit would write a shared
// cache line if counted so, and is counted by sampling instead.
type memoStats struct {
	hitStripes [hitStripes]struct {
		n atomic.Uint64
		_ [cacheLine - 8]byte
	}
	misses           atomic.Uint64
	loads            atomic.Uint64
	loadErrors       atomic.Uint64
	outageAnswers    atomic.Uint64
	userEvictions    atomic.Uint64
	unknownEvictions atomic.Uint64
	lastReported     atomic.Int64 // Unix ns when the feed was last known to report; 0: never
}

const (
	// hitSample: one hit in hitSample is counted, as hitSample hits.
	hitSample  = 64
	hitStripes = 8
)

// hit counts a hit, one time in hitSample, on a stripe chosen at random
// so that two cores seldom write one cache line. rand.Uint32 reads
// per-thread state: it writes nothing shared.
func (s *memoStats) hit() {
	if r := rand.Uint32(); r%hitSample == 0 {
		s.hitStripes[r/hitSample%hitStripes].n.Add(hitSample)
	}
}

func (s *memoStats) hits() uint64 {
	var n uint64
	for i := range s.hitStripes {
		n += s.hitStripes[i].n.Load()
	}
	return n
}
