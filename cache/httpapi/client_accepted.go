package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// memoKey names an accepted pair by the user and an HMAC of the token under
// a key that never leaves the process, so that the memo holds nothing that
// would verify anywhere else.
type memoKey struct {
	user string
	mac  [sha256.Size]byte
}

// memo remembers accepted pairs until they expire. It is safe for concurrent
// use.
type memo struct {
	secret [32]byte

	mu      sync.Mutex
	expires map[memoKey]time.Time
	max     int
}

func newMemo(maxEntries int) *memo {
	m := &memo{expires: make(map[memoKey]time.Time), max: maxEntries}
	_, _ = rand.Read(m.secret[:]) // never fails (crypto/rand)
	return m
}

// key returns the memo key of a pair. The token, a hex string, is keyed
// by its value ("00ff", "FF" and "ff" are one token to the cache), so
// that spellings of one token cannot fill the memo.
func (m *memo) key(user, token string) memoKey {
	h := hmac.New(sha256.New, m.secret[:])
	canonical := strings.TrimLeft(strings.ToLower(token), "0")
	_, _ = h.Write([]byte(canonical))
	k := memoKey{user: user}
	h.Sum(k.mac[:0])
	return k
}

// has reports whether k was added and has not expired at now; it drops k if
// it has.
func (m *memo) has(k memoKey, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.expires[k]
	if ok && !now.Before(exp) {
		delete(m.expires, k)
		return false
	}
	return ok
}

// add remembers k until exp, making room first if the memo is full: entries
// expired at now go, then random ones (map iteration order is random).
func (m *memo) add(k memoKey, now, exp time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.expires[k]; !ok && len(m.expires) >= m.max {
		for old, e := range m.expires {
			if !now.Before(e) {
				delete(m.expires, old)
			}
		}
		for old := range m.expires {
			if len(m.expires) < m.max {
				break
			}
			delete(m.expires, old)
		}
	}
	m.expires[k] = exp
}

// size returns how many pairs are remembered.
func (m *memo) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expires)
}
