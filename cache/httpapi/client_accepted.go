package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// pairKey names an accepted pair by the user and an HMAC of the token under
// a key that never leaves the process, so that [acceptedPairs] holds nothing
// that would verify anywhere else.
type pairKey struct {
	user string
	mac  [sha256.Size]byte
}

// acceptedPairs remembers the pairs a [Client] saw accepted until they
// expire, so that it need not ask the service again meanwhile. Refusals are
// never added. It is safe for concurrent use.
type acceptedPairs struct {
	secret [32]byte

	mu      sync.Mutex
	expires map[pairKey]time.Time
	max     int
}

// newAcceptedPairs returns an empty set that holds at most maxEntries pairs.
func newAcceptedPairs(maxEntries int) *acceptedPairs {
	m := &acceptedPairs{expires: make(map[pairKey]time.Time), max: maxEntries}
	_, _ = rand.Read(m.secret[:]) // never fails (crypto/rand)
	return m
}

// key returns the key of a pair. The token, a hex string, is keyed by its
// value ("00ff", "FF" and "ff" are one token to the cache), so that
// spellings of one token cannot fill the set.
func (m *acceptedPairs) key(user, token string) pairKey {
	h := hmac.New(sha256.New, m.secret[:])
	canonical := strings.TrimLeft(strings.ToLower(token), "0")
	_, _ = h.Write([]byte(canonical))
	k := pairKey{user: user}
	h.Sum(k.mac[:0])
	return k
}

// has reports whether k was added and has not expired at now; it drops k if
// it has.
func (m *acceptedPairs) has(k pairKey, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.expires[k]
	if ok && !now.Before(exp) {
		delete(m.expires, k)
		return false
	}
	return ok
}

// add remembers k until exp, making room first if the set is full: entries
// expired at now go, then random ones (map iteration order is random).
func (m *acceptedPairs) add(k pairKey, now, exp time.Time) {
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
func (m *acceptedPairs) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expires)
}
