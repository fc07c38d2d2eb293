package httpapi

import (
	"container/heap"
	"strings"
	"sync"
	"time"
)

// limiters keeps a token bucket per key (a client, a user name) for one
// Limit, in bounded memory: at most max keys.
//
// A bucket is kept as the time at which it will be full again: each
// request allowed moves that time one interval (Per/Requests) later, and
// a request is refused when that would take it more than Per ahead of
// now. A key not in the table has a full bucket. Every bucket refills at
// the same rate, so the one that is full soonest holds the most tokens.
//
// When the table is full, a new key takes the place of the key whose
// bucket is fullest (a heap keeps it at hand), which starts again with a
// full bucket if it comes back. No key ever shares a bucket with
// another: however many keys a client cycles through, a newcomer (a new
// client, a user resetting their own token) starts with a full bucket.
//
// What cycling keys can buy: a key that is d requests short is forgotten
// only once every other key in the table is d or more short. To have d
// requests forgiven to one key (d more email guesses for one user), a
// client must first spend (max−1)·d requests on other keys, each within
// the other limits, faster than those keys refill: with max 10,000,
// about 10,000 resets per extra guess. A client cycling 10,000 addresses
// at 200 requests a second gets what those addresses are each allowed,
// and takes nothing from anyone else.
type limiters struct {
	interval time.Duration // time for one request to refill
	window   time.Duration // interval·Requests: how far ahead a bucket may go
	max      int

	mu   sync.Mutex
	keys map[string]*bucket
	full bucketHeap // by full, soonest first
}

// bucket is one key's bucket: the time at which it is full again.
type bucket struct {
	key  string
	full time.Time
	i    int // index in the heap
}

// newLimiters returns the table for l, or nil if l limits nothing.
func newLimiters(l Limit, max int) *limiters {
	if l.off() {
		return nil
	}
	interval := l.Per / time.Duration(l.Requests)
	return &limiters{
		interval: interval,
		window:   interval * time.Duration(l.Requests),
		max:      max,
		keys:     make(map[string]*bucket),
	}
}

// allow takes one request for key at now. If the key's bucket is empty it
// reports false and how long until it holds a request again. A nil table
// allows everything.
func (l *limiters) allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	if !ok {
		b = l.add(key, now)
	}
	next := b.full
	if next.Before(now) {
		next = now
	}
	next = next.Add(l.interval)
	if wait := next.Sub(now) - l.window; wait > 0 {
		return false, wait
	}
	b.full = next
	heap.Fix(&l.full, b.i)
	return true, 0
}

// add puts key in the table with a full bucket, in place of the fullest
// bucket if the table is full.
func (l *limiters) add(key string, now time.Time) *bucket {
	// The key may be a part of a request: keep only a copy.
	key = strings.Clone(key)
	if len(l.keys) < l.max {
		b := &bucket{key: key, full: now}
		heap.Push(&l.full, b)
		l.keys[key] = b
		return b
	}
	b := l.full[0]
	delete(l.keys, b.key)
	b.key, b.full = key, now
	heap.Fix(&l.full, 0)
	l.keys[key] = b
	return b
}

// size returns how many keys the table holds.
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// bucketHeap is a min-heap of buckets by the time they are full again.
type bucketHeap []*bucket

func (h bucketHeap) Len() int           { return len(h) }
func (h bucketHeap) Less(i, j int) bool { return h[i].full.Before(h[j].full) }
func (h bucketHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].i, h[j].i = i, j
}

func (h *bucketHeap) Push(x any) {
	b := x.(*bucket)
	b.i = len(*h)
	*h = append(*h, b)
}

func (h *bucketHeap) Pop() any {
	old := *h
	b := old[len(old)-1]
	*h = old[:len(old)-1]
	return b
}
