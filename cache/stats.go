package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Stats is a snapshot of what a Cache holds and has done since it was
// made, for metrics. See [Cache.Stats].
type Stats struct {
	// Hits counts lookups answered from memory, for registered users and
	// for names known to have no record alike. It is an estimate: one
	// hit in 64, chosen at random, counts 64.
	Hits uint64

	// Misses counts lookups that had to read the store.
	Misses uint64

	// Loads counts reads of the store made to fill the cache (a miss, or
	// LoadUser); LoadErrors counts those that failed or found a record
	// that could not be parsed.
	Loads, LoadErrors uint64

	// OutageAnswers counts answers given from entries no longer trusted
	// because the store could not be read (see [WithOutageGrace]).
	OutageAnswers uint64

	// Users and Unknown are the entries held now: registered users, and
	// names known to have no record. MaxUsers and MaxUnknown are their
	// bounds.
	Users, Unknown, MaxUsers, MaxUnknown int

	// UserEvictions and UnknownEvictions count entries dropped to make
	// room under the bounds.
	UserEvictions, UnknownEvictions uint64

	// FeedReporting reports whether the store's change feed reports
	// changes now; while a feed that reported does not, an entry is
	// trusted for the trust window past its read only, and while the
	// store polls, for the poll interval.
	FeedReporting bool

	// FeedLastReported is when the feed was last known to report: the
	// time of the snapshot while it does, the zero time if it never did
	// (with WithWatch(false), say).
	FeedLastReported time.Time
}

// Stats returns a snapshot of the cache's counters. It is cheap enough to
// call on every metrics scrape.
func (c *Cache) Stats() Stats {
	m := c.memo
	s := Stats{
		Hits:             m.stats.hits(),
		Misses:           m.stats.misses.Load(),
		Loads:            m.stats.loads.Load(),
		LoadErrors:       m.stats.loadErrors.Load(),
		OutageAnswers:    m.stats.outageAnswers.Load(),
		MaxUsers:         int(m.users.max),
		MaxUnknown:       int(m.unknown.max),
		UserEvictions:    m.stats.userEvictions.Load(),
		UnknownEvictions: m.stats.unknownEvictions.Load(),
		FeedReporting:    m.trusted.Load(),
	}
	s.Users, s.Unknown = m.sizes()
	if s.FeedReporting {
		s.FeedLastReported = time.Now()
	} else if ns := m.stats.lastReported.Load(); ns != 0 {
		s.FeedLastReported = time.Unix(0, ns)
	}
	return s
}

// healthProbe is the name Ready reads: any valid name does, since a
// record found and none found both show that the store can be read.
const healthProbe = "fixiecreds-ready"

// unreadable is Ready's error when the store cannot be read. It says
// what went wrong without naming healthProbe, which is no user's: in the
// words of the first error in the store's chain that does not name it.
type unreadable struct{ err error }

func (e unreadable) Unwrap() error { return e.err }

func (e unreadable) Error() string {
	err := e.err
	for err != nil && strings.Contains(err.Error(), healthProbe) {
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			err = u.Unwrap()[0]
		default:
			err = nil
		}
	}
	if err == nil {
		return "cache: store cannot be read"
	}
	return "cache: store cannot be read: " + err.Error()
}

// Ready reports whether the cache can answer from fresh data: nil if the
// store can be read and its change feed has not been down for a poll
// interval or longer; else ErrClosed, the store's error, or how long the
// feed has been down. A feed that never reported (WithWatch(false), a
// file system that is always polled) is not down: that cache polls by
// design. Ready reads the store once: use it for readiness probes, not
// on every request.
func (c *Cache) Ready(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if _, err := c.store.Read(ctx, healthProbe); err != nil && !errors.Is(err, ErrNotRegistered) {
		return unreadable{err}
	}
	if c.memo.trusted.Load() {
		return nil
	}
	last := c.memo.stats.lastReported.Load()
	if down := time.Since(time.Unix(0, last)); last != 0 && down >= c.memo.poll {
		return fmt.Errorf("cache: change feed down for %v", down.Round(time.Millisecond))
	}
	return nil
}
