package main

import (
	"fmt"
	"sync"
	"time"
)

// user is what the load test knows of one user on the server: the token
// that works, the last one that stopped working, and when the last change
// to the user settles. Its methods are safe for concurrent use.
type user struct {
	name, email string

	mu       sync.Mutex
	token    string    // the valid token; "" while not registered
	revoked  string    // the token that most recently stopped working
	gen      uint64    // changes begun
	changing bool      // a change is in progress
	settled  time.Time // when the last change settles
	lost     bool      // a change failed: what the server holds is unknown
}

// neverIssued is presented when a user has no revoked token yet: a well
// formed token that no server issues, since issued tokens are 40 random
// hex digits.
const neverIssued = "0"

// newUsers returns n users whose names start with prefix.
func newUsers(prefix string, n int) []*user {
	users := make([]*user, n)
	for i := range users {
		name := fmt.Sprintf("%s-%04d", prefix, i)
		users[i] = &user{name: name, email: name + "@example.org"}
	}
	return users
}

// probe is the token a client presents for one request, what the server
// must answer, and whether the answer is judged at all.
type probe struct {
	token  string
	accept bool   // the server must accept (200) if true, refuse (401) if not
	judged bool   // false while a change to the user is in progress or settling
	gen    uint64 // the user's change count when the request began
}

// begin returns what to present in a request that begins at now: the
// valid token, or a revoked one if wantRevoked or the user is not
// registered.
func (u *user) begin(now time.Time, wantRevoked bool) probe {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := probe{gen: u.gen, judged: !u.changing && !u.lost && !now.Before(u.settled)}
	switch {
	case u.token != "" && !wantRevoked:
		p.token, p.accept = u.token, true
	case u.revoked != "":
		p.token = u.revoked
	default:
		p.token = neverIssued
	}
	return p
}

// judged reports whether the answer to a request that began as p is to be
// judged: no change to the user began while it was in flight, and none was
// in progress or settling when it began.
func (u *user) judged(p probe) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return p.judged && u.gen == p.gen
}

// beginChange marks a change to the user as begun, so that requests
// overlapping it are not judged, and returns the valid token ("" if the
// user is not registered). It returns ok false, changing nothing, if
// another change is in progress or the user is lost.
func (u *user) beginChange() (token string, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.changing || u.lost {
		return "", false
	}
	u.changing = true
	u.gen++
	return u.token, true
}

// endChange records a completed change: from now on token is the valid
// one ("" once deregistered) and the one before is revoked. The change
// settles settle after done, the moment it completed.
func (u *user) endChange(token string, done time.Time, settle time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.token != "" {
		u.revoked = u.token
	}
	u.token = token
	u.changing = false
	u.settled = done.Add(settle)
}

// failChange records a change that failed: the server may or may not have
// made it, so no request for this user is judged any more.
func (u *user) failChange() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.changing = false
	u.lost = true
}

// registered reports whether the user holds a valid token that the load
// test knows.
func (u *user) registered() (token string, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.token, u.token != "" && !u.lost
}
