package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// revokedShare is the share of protected requests that present a revoked
// token instead of the valid one.
const revokedShare = 0.1

// maxBody bounds what is read of an answer's body to check it; the rest
// is discarded so that the connection is reused.
const maxBody = 4 << 10

// phase runs clients that call one route, for one or more rounds, and
// adds up what they measured.
type phase struct {
	hc        *http.Client
	url       string // the route's full URL
	route     string // the route's path, for the report
	protected bool   // judge answers by the users' tokens
	users     []*user
	clients   int
	notes     *notes

	// totals over the rounds run so far
	tallies              []tally
	elapsed              time.Duration
	serverCPU, clientCPU time.Duration
}

// tally is what one client counted; each client owns one, merged at the
// end.
type tally struct {
	requests, accepted, refused, unsettled int
	wrong                                  Wrong
	lat                                    latencies
}

// run runs one round: the phase's clients until d has passed or ctx is
// done. It adds what they measured to the phase's totals, and returns the
// wrong answers they got. Requests in flight at the end complete.
func (ph *phase) run(ctx context.Context, d time.Duration) Wrong {
	start := time.Now()
	end := start.Add(d)
	tallies := make([]tally, ph.clients)
	var wg sync.WaitGroup
	for i := range tallies {
		wg.Go(func() { ph.client(ctx, end, rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))), &tallies[i]) })
	}
	wg.Wait()
	ph.elapsed += time.Since(start)
	ph.tallies = append(ph.tallies, tallies...)
	var wrong Wrong
	for i := range tallies {
		wrong.add(tallies[i].wrong)
	}
	return wrong
}

// result returns what the rounds run so far measured.
func (ph *phase) result() Phase {
	res := Phase{Route: ph.route, Elapsed: ph.elapsed}
	var lat latencies
	for i := range ph.tallies {
		t := &ph.tallies[i]
		res.Requests += t.requests
		res.Accepted += t.accepted
		res.Refused += t.refused
		res.Unsettled += t.unsettled
		lat.merge(&t.lat)
	}
	res.P50, res.P90, res.P99, res.Max = lat.quantile(0.5), lat.quantile(0.9), lat.quantile(0.99), lat.max
	if res.Requests > 0 {
		res.ServerCPU = ph.serverCPU / time.Duration(res.Requests)
		res.ClientCPU = ph.clientCPU / time.Duration(res.Requests)
	}
	return res
}

// client sends requests one after another until end, as a random user.
func (ph *phase) client(ctx context.Context, end time.Time, r *rand.Rand, t *tally) {
	var body bytes.Buffer
	for ctx.Err() == nil && time.Now().Before(end) {
		u := ph.users[r.IntN(len(ph.users))]
		p := u.begin(time.Now(), r.Float64() < revokedShare)
		t0 := time.Now()
		code, challenged, err := ph.get(ctx, u.name, p.token, &body)
		if err != nil {
			if ctx.Err() != nil {
				return // interrupted: not the server's fault
			}
			t.wrong.TransportErrors++
			ph.notes.add(fmt.Sprintf("GET %s: %v", ph.route, err), u.name)
			continue
		}
		t.lat.add(time.Since(t0))
		t.requests++
		if code >= 500 {
			t.wrong.ServerErrors++
			ph.notes.add(fmt.Sprintf("GET %s: status %d", ph.route, code), u.name)
			continue
		}
		if !ph.protected {
			if code != http.StatusOK {
				t.wrong.Other++
				ph.notes.add(fmt.Sprintf("GET %s: status %d", ph.route, code), "")
			}
			continue
		}
		ph.judge(t, u, p, code, challenged, body.Bytes())
	}
}

// judge checks the answer to a protected request that presented p.
func (ph *phase) judge(t *tally, u *user, p probe, code int, challenged bool, body []byte) {
	greeted := code == http.StatusOK && isGreeting(body, u.name)
	refused := code == http.StatusUnauthorized && challenged
	switch {
	case !greeted && !refused:
		t.wrong.Other++
		ph.notes.add(fmt.Sprintf("GET %s: status %d, neither the greeting nor a Fixie challenge", ph.route, code), u.name)
	case !u.judged(p):
		t.unsettled++
	case p.accept && greeted:
		t.accepted++
	case !p.accept && refused:
		t.refused++
	case p.accept:
		t.wrong.RefusedValid++
		ph.notes.add("GET "+ph.route+": valid token refused", u.name)
	default:
		t.wrong.AcceptedRevoked++
		ph.notes.add("GET "+ph.route+": revoked token accepted", u.name)
	}
}

// isGreeting reports whether body is the protected route's greeting of
// name, "Hello, NAME!\n".
func isGreeting(body []byte, name string) bool {
	rest, ok := bytes.CutPrefix(body, []byte("Hello, "))
	if !ok {
		return false
	}
	rest, ok = bytes.CutSuffix(rest, []byte("!\n"))
	return ok && string(rest) == name
}

// get sends GET to the phase's route with name and token in the fixie
// headers and returns the status, whether a Fixie challenge came with it,
// and the start of the body in body.
func (ph *phase) get(ctx context.Context, name, token string, body *bytes.Buffer) (int, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ph.url, nil)
	if err != nil {
		return 0, false, err
	}
	req.Header["X-Fixie-User"] = []string{name}
	req.Header["X-Fixie-Token"] = []string{token}
	resp, err := ph.hc.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	body.Reset()
	if _, err := body.ReadFrom(io.LimitReader(resp.Body, maxBody)); err != nil {
		return 0, false, err
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, false, err
	}
	challenged := strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Fixie ")
	return resp.StatusCode, challenged, nil
}
