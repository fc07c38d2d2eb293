package httpapi

import (
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps a token bucket per key (a client, a user name) for one
// Limit, in bounded memory: at most max keys. A bucket that has refilled
// is worth no more than a new one, so when the table is full such
// buckets are dropped; if none has, a key not in the table shares the
// overflow bucket until some have. An anonymous client sending requests
// under ever new keys thus grows nothing past max, and gains at most
// what the overflow bucket allows.
type limiters struct {
	rate  rate.Limit
	burst int
	max   int

	mu       sync.Mutex
	buckets  map[string]*rate.Limiter
	overflow *rate.Limiter
	pruned   time.Time // when full buckets were last dropped
}

// pruneEvery bounds how often a full table is searched for buckets to
// drop, so that a flood of new keys costs no more than a map lookup each.
const pruneEvery = time.Second

// newLimiters returns the table for l, or nil if l limits nothing.
func newLimiters(l Limit, max int) *limiters {
	if l.off() {
		return nil
	}
	r := rate.Limit(float64(l.Requests) / l.Per.Seconds())
	return &limiters{
		rate:     r,
		burst:    l.Requests,
		max:      max,
		buckets:  make(map[string]*rate.Limiter),
		overflow: rate.NewLimiter(r, l.Requests),
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
	b := l.bucket(key, now)
	if b.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.TokensAt(now)
	return false, time.Duration(math.Ceil(missing / float64(l.rate) * float64(time.Second)))
}

// bucket returns key's bucket, made if need be.
func (l *limiters) bucket(key string, now time.Time) *rate.Limiter {
	if b, ok := l.buckets[key]; ok {
		return b
	}
	if len(l.buckets) >= l.max && now.Sub(l.pruned) >= pruneEvery {
		l.pruned = now
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
	}
	if len(l.buckets) >= l.max {
		return l.overflow
	}
	// The key may be a part of a request: keep only a copy.
	b := rate.NewLimiter(l.rate, l.burst)
	l.buckets[strings.Clone(key)] = b
	return b
}

// size returns how many keys the table holds.
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
