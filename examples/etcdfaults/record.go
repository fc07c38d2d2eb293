//go:build unix

package main

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxWrong bounds the wrong answers a recorder keeps the details of.
const maxWrong = 20

// A recorder counts the verdicts of each phase of the run (the steady
// load, then each fault), keeps when each server served, and the details
// of wrong answers. Its methods are safe for concurrent use.
type recorder struct {
	phase atomic.Int32 // the phase that requests sent now belong to

	mu     sync.Mutex
	phases []*tally
	served [][]span // per server: correct 200s
	wrong  []wrongAnswer
}

// A span is a request's life: sent, then answered.
type span struct{ sent, answered time.Time }

// A tally is what one phase's requests got.
type tally struct {
	counts   [nVerdicts]int
	failMax  time.Duration // the slowest 500
	failSum  time.Duration
	healthz  time.Duration // the slowest /healthz
	unjudged int           // 200s and 401s for tokens that were changing
	lateMax  time.Duration // of the answers in window: the latest after the reset's acknowledgement
	acked    int           // resets acknowledged
	unacked  int           // resets that failed or got no answer: their outcome is unknown
}

// A wrongAnswer says what went wrong, never with which token.
type wrongAnswer struct {
	phase   int
	server  int
	user    string
	verdict verdict
	sent    time.Time
	took    time.Duration
	late    time.Duration // for a wrong 200: from the revocation's acknowledgement to the request
}

// newRecorder returns a recorder for servers servers and phases phases.
func newRecorder(servers, phases int) *recorder {
	r := &recorder{served: make([][]span, servers), phases: make([]*tally, phases)}
	for i := range r.phases {
		r.phases[i] = new(tally)
	}
	return r
}

// setPhase makes requests sent from now on count in phase p.
func (r *recorder) setPhase(p int) { r.phase.Store(int32(p)) }

// add records the verdict v on a request to server, about user, sent in
// phase at sent and answered at answered; served says it was a correct
// 200.
func (r *recorder) add(phase, server int, user string, v verdict, served bool, sent, answered time.Time, t ticket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.phases[phase]
	p.counts[v]++
	switch {
	case v == failed:
		took := answered.Sub(sent)
		p.failSum += took
		p.failMax = max(p.failMax, took)
	case v == acceptedLate:
		p.lateMax = max(p.lateMax, sent.Sub(t.revokedAt))
	case v == refusedLate:
		p.lateMax = max(p.lateMax, sent.Sub(t.currentAt))
	case v.wrong():
		if len(r.wrong) < maxWrong {
			wa := wrongAnswer{phase: phase, server: server, user: user, verdict: v, sent: sent, took: answered.Sub(sent)}
			if v == wrongAccept {
				wa.late = sent.Sub(t.revokedAt)
			}
			r.wrong = append(r.wrong, wa)
		}
	case v == accepted && !t.current, v == refused && !t.revoked:
		p.unjudged++
	}
	if served {
		r.served[server] = append(r.served[server], span{sent, answered})
	}
}

// healthz records how long a /healthz took in phase.
func (r *recorder) healthz(phase int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.phases[phase]
	p.healthz = max(p.healthz, took)
}

// reset records a reset sent in phase: acknowledged or not.
func (r *recorder) reset(phase int, acked bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if acked {
		r.phases[phase].acked++
	} else {
		r.phases[phase].unacked++
	}
}

// tally returns a copy of phase's tally.
func (r *recorder) tally(phase int) tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.phases[phase]
}

// wrongAnswers returns the details kept of wrong answers.
func (r *recorder) wrongAnswers() []wrongAnswer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.wrong)
}

// servedAfter returns when server first answered a correct 200 to a
// request sent at t or later; false if it has not yet.
func (r *recorder) servedAfter(server int, t time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first time.Time
	for _, s := range r.served[server] {
		if !s.sent.Before(t) && (first.IsZero() || s.answered.Before(first)) {
			first = s.answered
		}
	}
	return first, !first.IsZero()
}

// longestGap returns the longest time within [from, to] during which
// server answered no correct 200.
func (r *recorder) longestGap(server int, from, to time.Time) time.Duration {
	r.mu.Lock()
	var times []time.Time
	for _, s := range r.served[server] {
		if s.answered.After(from) && s.answered.Before(to) {
			times = append(times, s.answered)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(times, time.Time.Compare)
	gap, last := time.Duration(0), from
	for _, t := range append(times, to) {
		gap = max(gap, t.Sub(last))
		last = t
	}
	return gap
}
