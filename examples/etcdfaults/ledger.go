//go:build unix

package main

import (
	"fmt"
	"sync"
	"time"
)

// keepRevoked is how many of a user's revoked tokens the ledger keeps:
// the newest are those a stale cache would still accept.
const keepRevoked = 4

// trustWindow is how long past the last proof that its change feed had
// caught up a server may answer from its cache (cache.WithTrustWindow;
// the servers keep the default). A server learns of a reset made through
// another one from etcd's watch, a few milliseconds later: a request sent
// within this window of the reset's acknowledgement may still be
// answered as before it (the old token accepted, the new one refused),
// one sent later must not.
const trustWindow = 100 * time.Millisecond

// An account is one user as the ledger knows it. Its fields are guarded
// by the ledger's lock.
type account struct {
	name, email string

	// held keeps the load's random resets off the account, while a
	// fault resets it itself.
	held bool

	// current is the token in force since a reset was acknowledged, at
	// currentAt; "" after a reset whose outcome is unknown, until the
	// next one is acknowledged.
	current   string
	currentAt time.Time

	// revoked are tokens whose revocation was acknowledged, newest last,
	// and when.
	revoked []revocation

	// limbo are tokens that a reset of unknown outcome may have revoked:
	// neither current nor revoked, until a reset is acknowledged.
	limbo []string

	resetting bool   // a reset is in flight
	resets    uint64 // resets begun
}

// A ledger knows every user's tokens, and for each whether it was current
// or revoked when a request presenting it was sent. It judges the answers
// to those requests. Its methods are safe for concurrent use.
type ledger struct {
	mu       sync.Mutex
	accounts []*account
	issued   []string // every token ever issued, for the check of the logs
}

// newLedger returns a ledger of n users, none registered yet.
func newLedger(n int) *ledger {
	l := &ledger{accounts: make([]*account, n)}
	for i := range l.accounts {
		name := fmt.Sprintf("user%03d", i)
		l.accounts[i] = &account{name: name, email: name + "@example.org"}
	}
	return l
}

// A revocation is a token and when its reset was acknowledged.
type revocation struct {
	token string
	at    time.Time
}

// A ticket is what the ledger knew of a token when a request presenting
// it was about to be sent.
type ticket struct {
	a     *account
	token string

	// revoked: the token's revocation was acknowledged, at revokedAt,
	// before the request was sent, so a 200 is wrong unless the request
	// was sent within trustWindow of that.
	revoked   bool
	revokedAt time.Time

	// current: the token was in force, since currentAt, with no reset
	// in flight, when the request was sent; a 401 is wrong unless a
	// reset began since (resets tells) or the request was sent within
	// trustWindow of currentAt.
	current   bool
	currentAt time.Time
	resets    uint64
}

// ticket returns a ticket for a's newest revoked token if revoked is true,
// for its current one otherwise; false if a has no such token.
func (l *ledger) ticket(a *account, revoked bool) (ticket, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if revoked {
		if len(a.revoked) == 0 {
			return ticket{}, false
		}
		r := a.revoked[len(a.revoked)-1]
		return ticket{a: a, token: r.token, revoked: true, revokedAt: r.at}, true
	}
	if a.current == "" {
		return ticket{}, false
	}
	return ticket{a: a, token: a.current, current: !a.resetting, currentAt: a.currentAt, resets: a.resets}, true
}

// A verdict is the judgement of one answer.
type verdict int

const (
	accepted     verdict = iota // 200
	refused                     // 401
	failed                      // 500: the server could not decide, and did not let the request through
	transport                   // no answer: connection refused or cut, time out
	other                       // any other status
	acceptedLate                // 200 for a token revoked less than trustWindow before the request was sent
	refusedLate                 // 401 for a token in force since less than trustWindow before the request was sent
	wrongAccept                 // 200 for a token revoked trustWindow or more before the request was sent
	wrongRefuse                 // 401 for a token in force from trustWindow before the request was sent until the answer
	nVerdicts
)

var verdictNames = [nVerdicts]string{"200", "401", "500", "no answer", "other", "200 in window", "401 in window", "wrong 200", "wrong 401"}

func (v verdict) String() string { return verdictNames[v] }

// wrong reports whether v is a wrong answer.
func (v verdict) wrong() bool { return v == wrongAccept || v == wrongRefuse }

// judge returns the verdict on status code (0: no answer) to the request
// that t was taken for, sent at sent. It reports too whether the answer
// was a correct 200, one for a token in force when the request was sent:
// the sign that the server serves.
func (l *ledger) judge(t ticket, sent time.Time, code int) (v verdict, served bool) {
	switch code {
	case 0:
		return transport, false
	case 200:
		if t.revoked {
			if sent.Sub(t.revokedAt) < trustWindow {
				return acceptedLate, false
			}
			return wrongAccept, false
		}
		return accepted, t.current
	case 401:
		l.mu.Lock()
		defer l.mu.Unlock()
		if t.current && t.a.resets == t.resets {
			if sent.Sub(t.currentAt) < trustWindow {
				return refusedLate, false
			}
			return wrongRefuse, false
		}
		return refused, false
	case 500:
		return failed, false
	}
	return other, false
}

// beginReset marks a reset of a as in flight; false if one already is, or
// if a is held and held is false.
func (l *ledger) beginReset(a *account, held bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.resetting || a.held != held {
		return false
	}
	a.resetting = true
	a.resets++
	return true
}

// endReset ends the reset begun on a: acknowledged with token now, or of
// unknown outcome if token is "" (an error, a status other than 200).
func (l *ledger) endReset(a *account, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a.resetting = false
	if a.current != "" {
		a.limbo = append(a.limbo, a.current)
		a.current = ""
	}
	if token == "" {
		return
	}
	l.issued = append(l.issued, token)
	now := time.Now()
	a.currentAt = now
	for _, t := range a.limbo {
		a.revoked = append(a.revoked, revocation{t, now})
	}
	a.limbo = a.limbo[:0]
	if n := len(a.revoked); n > keepRevoked {
		a.revoked = append(a.revoked[:0], a.revoked[n-keepRevoked:]...)
	}
	a.current = token
}

// registered records a's first token, acknowledged.
func (l *ledger) registered(a *account, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.issued = append(l.issued, token)
	a.current = token
	a.currentAt = time.Now()
}

// resetting reports whether a reset of a is in flight.
func (l *ledger) resetting(a *account) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return a.resetting
}

// hold keeps the load's resets off a, or gives it back to them.
func (l *ledger) hold(a *account, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a.held = on
}

// tokens returns every token issued so far.
func (l *ledger) tokens() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.issued...)
}
