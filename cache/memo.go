package cache

import (
	"crypto/sha256"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// entry is a cached record.
type entry struct {
	user User
	hash [sha256.Size]byte
	read int64 // memo clock when the record was read; see memo.fresh

	// pollOnly: the record has another name, through which it may change
	// with no notification for this user; it is trusted for poll only.
	pollOnly bool
}

// memo is the in-memory cache of records and of names known to have none.
// Lookups take a read lock and, while the store reports changes, read no
// clock. Each map has its own bound, so that a flood of unknown names never
// evicts a registered user. When a map is full a random entry makes room:
// unlike LRU this needs no write on a hit, which keeps the hot path under
// the read lock.
type memo struct {
	poll  time.Duration
	clock func() time.Duration // monotonic; see memo.now

	// trusted is set while the store's feed reports changes: entries are then
	// valid until dropped. Otherwise an entry is valid for poll.
	trusted atomic.Bool

	mu         sync.RWMutex
	gen        uint64 // bumped by every drop; see load in cache.go
	users      map[string]*entry
	unknown    map[string]int64 // name → memo clock when found absent
	maxUsers   int
	maxUnknown int
}

// newMemo returns an empty memo. clock, if not nil, replaces the monotonic
// clock that tells whether an entry is older than poll.
func newMemo(maxUsers, maxUnknown int, poll time.Duration, clock func() time.Duration) *memo {
	if clock == nil {
		start := time.Now()
		clock = func() time.Duration { return time.Since(start) }
	}
	return &memo{
		poll:       poll,
		clock:      clock,
		users:      make(map[string]*entry),
		unknown:    make(map[string]int64),
		maxUsers:   maxUsers,
		maxUnknown: maxUnknown,
	}
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
// that only an outage may make use of (see Cache.load).
func (m *memo) lookup(user string) (e *entry, absent, fresh bool, gen uint64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.users[user]
	if ok && m.fresh(e.read, e.pollOnly) {
		return e, false, true, 0
	}
	if read, ok := m.unknown[user]; ok && m.fresh(read, false) {
		return nil, true, true, 0
	}
	return e, false, false, m.gen
}

// generation returns the generation to pass to add or addUnknown.
func (m *memo) generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// add caches e unless something was dropped since gen was taken: the
// record read may then be older than the change that caused the drop.
func (m *memo) add(gen uint64, user string, e *entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	delete(m.unknown, user)
	if _, ok := m.users[user]; !ok && len(m.users) >= m.maxUsers {
		evictOne(m.users)
	}
	m.users[strings.Clone(user)] = e
}

// addUnknown caches that user has no record, as add does.
func (m *memo) addUnknown(gen uint64, user string, read int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	delete(m.users, user)
	if _, ok := m.unknown[user]; !ok && len(m.unknown) >= m.maxUnknown {
		evictOne(m.unknown)
	}
	m.unknown[strings.Clone(user)] = read
}

// evictOne deletes an entry of m; map iteration starts at a random place.
func evictOne[V any](m map[string]V) {
	for k := range m {
		delete(m, k)
		return
	}
}

// Changed drops what is cached for user; it implements [Feed].
func (m *memo) Changed(user string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, user)
	delete(m.unknown, user)
	m.gen++
}

// ChangedAll drops everything; it implements [Feed].
func (m *memo) ChangedAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.users)
	clear(m.unknown)
	m.gen++
}

// Reporting implements [Feed]: while on, entries are trusted until
// dropped.
func (m *memo) Reporting(on bool) { m.trusted.Store(on) }

// sizes returns how many users and unknown names are cached.
func (m *memo) sizes() (users, unknown int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.users), len(m.unknown)
}
