package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Wrong counts the wrong answers of a run, each of which fails it.
type Wrong struct {
	AcceptedRevoked int // a settled request with a revoked token got 200
	RefusedValid    int // a settled request with the valid token got 401
	ServerErrors    int // any request got a 5xx
	TransportErrors int // any request got no answer
	Other           int // another status, a 200 greeting someone else, a 401 without challenge
	ChurnFailed     int // a change was refused or answered against the contract
	TokensLogged    int // the server's log holds a token (only seen with -start)
}

// add adds o's counts to w.
func (w *Wrong) add(o Wrong) {
	w.AcceptedRevoked += o.AcceptedRevoked
	w.RefusedValid += o.RefusedValid
	w.ServerErrors += o.ServerErrors
	w.TransportErrors += o.TransportErrors
	w.Other += o.Other
	w.ChurnFailed += o.ChurnFailed
	w.TokensLogged += o.TokensLogged
}

// Total returns the number of wrong answers.
func (w Wrong) Total() int {
	return w.AcceptedRevoked + w.RefusedValid + w.ServerErrors + w.TransportErrors +
		w.Other + w.ChurnFailed + w.TokensLogged
}

// Phase is what one phase measured.
type Phase struct {
	Route     string
	Requests  int
	Elapsed   time.Duration
	P50, P90  time.Duration
	P99, Max  time.Duration
	Accepted  int // judged requests answered 200 as they had to be
	Refused   int // judged requests answered 401 as they had to be
	Unsettled int // requests overlapping a change to their user, not judged

	// CPU time per request of the server (known only when this program
	// started it) and of the load test itself (with its churn); 0 where
	// unknown. Unlike the rate, they hardly depend on what else the
	// machine runs.
	ServerCPU, ClientCPU time.Duration
}

// Rate returns the phase's requests per second.
func (p Phase) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Requests) / p.Elapsed.Seconds()
}

// Churn counts the changes made during the protected phase.
type Churn struct {
	Resets, Deregistrations, Registrations, DiskEdits int
	Skipped                                           int // ticks when every change worker was busy
	Failed                                            int
}

// Total returns the number of changes completed.
func (c Churn) Total() int { return c.Resets + c.Deregistrations + c.Registrations + c.DiskEdits }

// Report is the outcome of a run.
type Report struct {
	Unprotected, Protected Phase
	Churn                  Churn
	Wrong                  Wrong
	Notes                  []string // the first errors seen, and how the server stopped
	MinRatio               float64  // the ratio required, 0 if none
	Interrupted            bool
	StopFailed             bool // a server started with -start did not exit 0 on SIGTERM
}

// Ratio returns protected over unprotected throughput.
func (r *Report) Ratio() float64 {
	if u := r.Unprotected.Rate(); u > 0 {
		return r.Protected.Rate() / u
	}
	return 0
}

// Failed reports whether the run found a wrong answer, fell short of the
// required ratio, was interrupted, or could not stop the server cleanly.
func (r *Report) Failed() bool {
	return len(r.failures()) > 0
}

// failures says why the run failed; nothing if it passed.
func (r *Report) failures() []string {
	var why []string
	if n := r.Wrong.Total(); n > 0 {
		why = append(why, fmt.Sprintf("%d wrong answers", n))
	}
	if r.Ratio() < r.MinRatio {
		why = append(why, fmt.Sprintf("throughput ratio below %.2f", r.MinRatio))
	}
	if r.Interrupted {
		why = append(why, "interrupted")
	}
	if r.StopFailed {
		why = append(why, "the server did not stop cleanly")
	}
	return why
}

// print writes the report's figures for people to read.
func (r *Report) print(out io.Writer) {
	fmt.Fprintf(out, "%-16s %9s %8s %8s %8s %8s %8s %8s %8s\n",
		"phase", "requests", "req/s", "p50", "p90", "p99", "max", "srv-cpu", "lt-cpu")
	for _, p := range []Phase{r.Unprotected, r.Protected} {
		fmt.Fprintf(out, "%-16s %9d %8.0f %8s %8s %8s %8s %8s %8s\n", p.Route, p.Requests, p.Rate(),
			round(p.P50), round(p.P90), round(p.P99), round(p.Max), perRequest(p.ServerCPU), perRequest(p.ClientCPU))
	}
	goal := ""
	if r.MinRatio > 0 {
		goal = fmt.Sprintf(" (required ≥ %.2f)", r.MinRatio)
	}
	fmt.Fprintf(out, "ratio protected/unprotected: %.3f%s\n", r.Ratio(), goal)
	p, c := r.Protected, r.Churn
	fmt.Fprintf(out, "judged: %d accepted, %d refused; unsettled (not judged): %d\n", p.Accepted, p.Refused, p.Unsettled)
	fmt.Fprintf(out, "churn: %d changes (%d resets, %d deregistrations, %d registrations, %d disk edits), %d failed, %d ticks skipped\n",
		c.Total(), c.Resets, c.Deregistrations, c.Registrations, c.DiskEdits, c.Failed, c.Skipped)
	w := r.Wrong
	fmt.Fprintf(out, "wrong answers: accepted-revoked %d, refused-valid %d, 5xx %d, transport errors %d, other %d, failed changes %d, tokens in server log %d\n",
		w.AcceptedRevoked, w.RefusedValid, w.ServerErrors, w.TransportErrors, w.Other, w.ChurnFailed, w.TokensLogged)
	for _, n := range r.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	if why := r.failures(); len(why) > 0 {
		fmt.Fprintf(out, "FAIL: %s\n", strings.Join(why, "; "))
		return
	}
	fmt.Fprintln(out, "PASS")
}

// perRequest formats a CPU time per request, "-" if unknown.
func perRequest(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}

// round shortens d for display.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
