package cache

import (
	"crypto/sha256"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// entry is a cached record. It is never modified once cached.
type entry struct {
	hash     [sha256.Size]byte
	read     int64  // memo clock when the record was read; see memo.fresh
	user     string // also the entry's key in its shard
	email    string
	pollOnly bool // see Record.PollOnly
}

// record returns the record e holds.
func (e *entry) record() User {
	return User{User: e.user, Email: e.email, HashedToken: hashHex(e.hash)}
}

// memo is the in-memory cache of records and of names known to have none.
//
// A hit takes no lock and writes nothing that another core reads: names
// are spread by a keyed hash over shards, each holding two immutable maps
// behind atomic pointers; a writer (a record read from the store, a
// change reported) copies one shard's map under that shard's lock. Shards
// are small (about 32 users each at the bound), so a copy costs little,
// and an anonymous client cannot aim names at one shard.
//
// Each map has its own bound, so that a flood of unknown names never
// evicts a registered user; past it, a random entry of the shard written
// makes room. While the store's feed reports changes, lookups read no
// clock.
type memo struct {
	poll  time.Duration
	clock func() time.Duration // monotonic; see memo.now
	seed  maphash.Seed
	mask  uint64 // len(shards)-1
	// shards are padded to a cache line each, so that a writer locking
	// one does not slow readers of its neighbours.
	shards []memoShard

	// trusted is set while the store's feed reports changes: entries are
	// then valid until dropped. Otherwise an entry is valid for poll.
	trusted atomic.Bool

	users, unknown sizeBound
	stats          memoStats
}

// memoShard is one shard of a memo.
type memoShard struct {
	users   atomic.Pointer[map[string]*entry]
	unknown atomic.Pointer[map[string]int64] // name → memo clock when found absent
	// gen is bumped by every drop in the shard, under mu; see Cache.load.
	gen atomic.Uint64
	mu  sync.Mutex
	_   [cacheLine - 32]byte
}

const (
	cacheLine = 64
	// shardTarget is the number of entries per shard at the bound.
	shardTarget = 32
	maxShards   = 4096
)

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
// clock that tells whether an entry is older than poll.
func newMemo(maxUsers, maxUnknown int, poll time.Duration, clock func() time.Duration) *memo {
	if clock == nil {
		start := time.Now()
		clock = func() time.Duration { return time.Since(start) }
	}
	n := min(maxShards, 1<<bits.Len(uint((maxUsers-1)/shardTarget)))
	m := &memo{
		poll:    poll,
		clock:   clock,
		seed:    maphash.MakeSeed(),
		mask:    uint64(n - 1),
		shards:  make([]memoShard, n),
		users:   sizeBound{max: int64(maxUsers)},
		unknown: sizeBound{max: int64(maxUnknown)},
	}
	return m
}

func (m *memo) shard(user string) *memoShard {
	return &m.shards[maphash.String(m.seed, user)&m.mask]
}

// now reads the memo clock, in nanoseconds.
func (m *memo) now() int64 { return int64(m.clock()) }

// fresh reports whether something cached at read may still be used: while
// the store reports changes, until it is dropped, unless it is pollOnly;
// otherwise for poll.
func (m *memo) fresh(read int64, pollOnly bool) bool {
	return !pollOnly && m.trusted.Load() || m.now()-read < int64(m.poll)
}

// lookup returns the cached entry for user, or absent when the user is
// known to have no record, or neither, with the generation to pass to
// add or addUnknown after reading the store. fresh reports that the
// answer may be used; when it is false, e, if not nil, is a stale entry
// that only an outage may make use of (see Cache.get).
func (m *memo) lookup(user string) (e *entry, absent, fresh bool, gen uint64) {
	sh := m.shard(user)
	if users := sh.users.Load(); users != nil {
		if e = (*users)[user]; e != nil && m.fresh(e.read, e.pollOnly) {
			m.stats.hit()
			return e, false, true, 0
		}
	}
	if unknown := sh.unknown.Load(); unknown != nil {
		if read, ok := (*unknown)[user]; ok && m.fresh(read, false) {
			m.stats.hit()
			return nil, true, true, 0
		}
	}
	m.stats.misses.Add(1)
	return e, false, false, sh.gen.Load()
}

// generation returns the generation of user's shard, to pass to add or
// addUnknown.
func (m *memo) generation(user string) uint64 { return m.shard(user).gen.Load() }

// add caches e, keyed by e.user, unless something was dropped from its
// shard since gen was taken: the record read may then be older than the
// change that caused the drop.
func (m *memo) add(gen uint64, e *entry) {
	sh := m.shard(e.user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen.Load() != gen {
		return
	}
	sh.unknown.Store(without(sh.unknown.Load(), e.user, &m.unknown))
	sh.users.Store(with(sh.users.Load(), e.user, e, &m.users, &m.stats.userEvictions))
}

// addUnknown caches that user has no record, as add does.
func (m *memo) addUnknown(gen uint64, user string, read int64) {
	sh := m.shard(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen.Load() != gen {
		return
	}
	// The name may be a part of a request header: keep only a copy.
	user = strings.Clone(user)
	sh.users.Store(without(sh.users.Load(), user, &m.users))
	sh.unknown.Store(with(sh.unknown.Load(), user, read, &m.unknown, &m.stats.unknownEvictions))
}

// with returns a copy of *p (nil for none) with key set to v. At the
// bound, a random entry of the copy makes room; in an empty shard at the
// bound, nothing is added.
func with[V any](p *map[string]V, key string, v V, b *sizeBound, evictions *atomic.Uint64) *map[string]V {
	var old map[string]V
	if p != nil {
		old = *p
	}
	_, replacing := old[key]
	evict := !replacing && !b.reserve()
	if evict && len(old) == 0 {
		return p
	}
	m := make(map[string]V, len(old)+1)
	for k, v := range old {
		if evict && k != key {
			evict = false // map iteration starts at a random place
			evictions.Add(1)
			continue
		}
		m[k] = v
	}
	m[key] = v
	return &m
}

// without returns a copy of *p without key, or p itself if key is not
// there.
func without[V any](p *map[string]V, key string, b *sizeBound) *map[string]V {
	if p == nil {
		return nil
	}
	if _, ok := (*p)[key]; !ok {
		return p
	}
	b.n.Add(-1)
	if len(*p) == 1 {
		return nil
	}
	m := make(map[string]V, len(*p)-1)
	for k, v := range *p {
		if k != key {
			m[k] = v
		}
	}
	return &m
}

// Changed drops what is cached for user; it implements [Feed].
func (m *memo) Changed(user string) {
	sh := m.shard(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.gen.Add(1)
	sh.users.Store(without(sh.users.Load(), user, &m.users))
	sh.unknown.Store(without(sh.unknown.Load(), user, &m.unknown))
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
		sh.mu.Unlock()
	}
}

// Reporting implements [Feed]: while on, entries are trusted until
// dropped.
func (m *memo) Reporting(on bool) {
	if m.trusted.Swap(on) || on {
		m.stats.lastReported.Store(time.Now().UnixNano())
	}
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
