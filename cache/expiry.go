package cache

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// A TokenOption sets how long a token that [Cache.Register] or
// [Cache.Reset] issues works: [ExpiresAfter], [KeepPrevious].
type TokenOption func(*tokenOptions) error

// tokenOptions are the TokenOptions of one call.
type tokenOptions struct {
	expires time.Duration // 0: the token never expires
	keep    time.Duration // 0: the replaced token stops at once
	issued  *User         // where to report the record written, or nil
}

// ExpiresAfter makes the new token stop verifying d after it is issued.
// The record stores that moment in UTC, truncated to the second, and the
// token verifies while the time is before it; Verify of it afterwards is
// (false, an error wrapping [ErrTokenExpired]). d must be at least a
// second.
func ExpiresAfter(d time.Duration) TokenOption {
	return func(o *tokenOptions) error {
		if d < time.Second {
			return fmt.Errorf("cache: ExpiresAfter(%v): less than a second", d)
		}
		o.expires = d
		return nil
	}
}

// KeepPrevious, on Reset only, keeps the token being replaced working for
// d more (truncated to the second), but never past its own expiry, so
// that the clients sharing it can move to the new one without a moment
// in which neither works. Only that one token is kept: any token an
// earlier Reset kept stops at once, as does every older token on a Reset
// without KeepPrevious. d must be at least a second; on Register it is an
// error.
func KeepPrevious(d time.Duration) TokenOption {
	return func(o *tokenOptions) error {
		if d < time.Second {
			return fmt.Errorf("cache: KeepPrevious(%v): less than a second", d)
		}
		o.keep = d
		return nil
	}
}

// Issued sets *u, when Register or Reset succeeds, to the record it
// wrote (without the token, which is never stored): the exact expiries,
// for a caller that reports them, such as an audit log.
func Issued(u *User) TokenOption {
	return func(o *tokenOptions) error {
		if u == nil {
			return errors.New("cache: Issued(nil)")
		}
		o.issued = u
		return nil
	}
}

// newTokenOptions applies opts; reset tells whether they are for a Reset.
func newTokenOptions(opts []TokenOption, reset bool) (tokenOptions, error) {
	var o tokenOptions
	for _, opt := range opts {
		if opt == nil {
			return tokenOptions{}, errors.New("cache: nil TokenOption")
		}
		if err := opt(&o); err != nil {
			return tokenOptions{}, err
		}
	}
	if o.keep != 0 && !reset {
		return tokenOptions{}, errors.New("cache: KeepPrevious is for Reset only: a new user has no token to keep")
	}
	return o, nil
}

// newUser returns the record of a token issued at now (wall clock) for
// user with email, as o sets, that replaces cur if cur is not nil; its
// HashedToken is left for the caller.
func (o tokenOptions) newUser(user, email string, now time.Time, cur *record) User {
	u := User{User: user, Email: email}
	if o.expires > 0 {
		u.Expires = now.Add(o.expires).Truncate(time.Second).UTC()
	}
	if o.keep > 0 && cur != nil {
		end := now.Add(o.keep).Truncate(time.Second).UTC()
		if !cur.expires.IsZero() && cur.expires.Before(end) {
			end = cur.expires
		}
		u.PreviousHashedToken, u.PreviousExpires = hashHex(cur.hash), end
	}
	return u
}

// report hands u, the record written, to Issued.
func (o tokenOptions) report(u User) {
	if o.issued != nil {
		*o.issued = u
	}
}

// never is the memo clock of a moment that never comes.
const never = math.MaxInt64

// deadline returns the memo clock of the moment end (wall clock), for an
// entry read at the memo clock read and the wall clock wall; never for
// the zero time. Past that, the entry's expiry moves with the monotonic
// clock, not the wall clock (see "Tokens that end" in the package
// documentation).
func deadline(end time.Time, read int64, wall time.Time) int64 {
	if end.IsZero() {
		return never
	}
	d := int64(end.Sub(wall)) // saturates at the bounds of a Duration
	switch {
	case d > 0 && read > math.MaxInt64-d:
		return never
	case d < 0 && read < math.MinInt64-d:
		return math.MinInt64
	}
	return read + d
}
