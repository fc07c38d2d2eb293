//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Bounds of the pause faults.
const (
	minPause    = 600 * time.Millisecond // an app server stays stopped at least this long
	fillerBytes = 4 << 20                // written during a pause, more than a stopped watch's buffers hold
)

// A fault is one thing that goes wrong, and its repair.
type fault struct {
	name string
	// do injects the fault, holds it, repairs it, and records in r when
	// it began and when the repair was made.
	do func(ctx context.Context, h *harness, r *result) error
}

// faults are the faults of a run, in order.
var faults = []fault{
	{"leader killed", leaderKilled},
	{"follower frozen", followerFrozen},
	{"leader frozen", leaderFrozen},
	{"quorum lost", quorumLost},
	{"full stop", fullStop},
	{"app paused, members restarted", pausedRestart},
	{"app paused, history compacted", pausedCompact},
}

// leaderKilled kills the leader (SIGKILL) and starts it again after the
// hold.
func leaderKilled(ctx context.Context, h *harness, r *result) error {
	l, err := h.cl.waitLeader(ctx)
	if err != nil {
		return err
	}
	r.start = time.Now()
	h.cl.kill(l)
	if _, err := h.cl.waitLeader(ctx); err != nil {
		return err
	}
	r.note("%s killed; a new leader within %s", l.name, ms(time.Since(r.start)))
	sleepUntil(ctx, r.start.Add(h.hold))
	if err := h.cl.start(l); err != nil {
		return err
	}
	r.end = time.Now()
	return h.cl.waitMember(ctx, l)
}

// followerFrozen stops a follower (SIGSTOP) for the hold: a third of the
// servers' reads may go to it.
func followerFrozen(ctx context.Context, h *harness, r *result) error {
	l, err := h.cl.waitLeader(ctx)
	if err != nil {
		return err
	}
	f := h.cl.other(l)
	return freeze(ctx, h, r, f)
}

// leaderFrozen stops the leader (SIGSTOP) for the hold, which costs an
// election.
func leaderFrozen(ctx context.Context, h *harness, r *result) error {
	l, err := h.cl.waitLeader(ctx)
	if err != nil {
		return err
	}
	return freeze(ctx, h, r, l)
}

func freeze(ctx context.Context, h *harness, r *result, m *member) error {
	if err := m.proc.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	r.start = time.Now()
	if _, err := h.cl.waitLeader(ctx); err != nil {
		_ = m.proc.signal(syscall.SIGCONT)
		return err
	}
	r.note("%s frozen; a leader that a majority follows within %s", m.name, ms(time.Since(r.start)))
	sleepUntil(ctx, r.start.Add(h.hold))
	err := m.proc.signal(syscall.SIGCONT)
	r.end = time.Now()
	return err
}

// quorumLost kills the leader and a follower, and starts them again
// after the hold.
func quorumLost(ctx context.Context, h *harness, r *result) error {
	l, err := h.cl.waitLeader(ctx)
	if err != nil {
		return err
	}
	f := h.cl.other(l)
	r.start = time.Now()
	h.cl.kill(l)
	h.cl.kill(f)
	r.note("%s and %s killed", l.name, f.name)
	sleepUntil(ctx, r.start.Add(h.hold))
	for _, m := range []*member{l, f} {
		if err := h.cl.start(m); err != nil {
			return err
		}
	}
	r.end = time.Now()
	return nil
}

// fullStop stops every member with SIGTERM, the leader first, restarts
// the last app server while etcd is down, and starts the members again
// after twice the hold. (A leader stopped after its followers waits
// seconds for a leadership transfer that cannot succeed.)
func fullStop(ctx context.Context, h *harness, r *result) error {
	l, err := h.cl.waitLeader(ctx)
	if err != nil {
		return err
	}
	r.start = time.Now()
	h.cl.stop(l)
	var wg sync.WaitGroup
	for _, m := range h.cl.members {
		if m != l {
			wg.Go(func() { h.cl.stop(m) })
		}
	}
	wg.Wait()
	r.note("members stopped (SIGTERM), %s first, in %s", l.name, ms(time.Since(r.start)))

	a := h.apps[len(h.apps)-1]
	if err := a.stop(); err != nil {
		return err
	}
	took, err := a.start(ctx)
	if err != nil {
		return err
	}
	r.note("%s restarted with etcd down: listening %s after start; then %s", a.name(), ms(took), h.probeDown(ctx, a))

	sleepUntil(ctx, r.start.Add(2*h.hold))
	for _, m := range h.cl.members {
		if err := h.cl.start(m); err != nil {
			return err
		}
	}
	r.end = time.Now()
	return nil
}

// probeDown asks a for /readyz and for a protected route, and says what
// each answered and how long it took.
func (h *harness) probeDown(ctx context.Context, a *app) string {
	sent := time.Now()
	code := a.get(ctx, a.hc, "/readyz", "", "")
	said := fmt.Sprintf("/readyz %d in %s", code, ms(time.Since(sent)))
	for _, acc := range h.ledger.accounts {
		sent := time.Now()
		if v, ok := h.ld.verify(ctx, a, a.hc, acc, false); ok {
			return said + fmt.Sprintf(", /hello %s in %s", v, ms(time.Since(sent)))
		}
	}
	return said
}

// pausedRestart stops the first app server (SIGSTOP) while held users
// are reset through the others and every member is killed and started
// again in turn; requests with the old and the new tokens wait on the
// stopped server's open connections.
func pausedRestart(ctx context.Context, h *harness, r *result) error {
	return h.paused(ctx, r, func() error {
		for _, m := range h.cl.members {
			h.cl.kill(m)
			if err := h.cl.start(m); err != nil {
				return err
			}
			if err := h.cl.waitMember(ctx, m); err != nil {
				return err
			}
			if _, err := h.cl.waitLeader(ctx); err != nil {
				return err
			}
		}
		r.note("members killed and started again in turn")
		return nil
	})
}

// pausedCompact stops the first app server while held users are reset,
// more changes than its watch can hold are written under the prefix, and
// etcd compacts its history up to the present.
func pausedCompact(ctx context.Context, h *harness, r *result) error {
	return h.paused(ctx, r, func() error {
		rev, err := h.fill(ctx)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, serveTimeout)
		defer cancel()
		if _, err := h.etcd.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
			return fmt.Errorf("compacting: %w", err)
		}
		r.note("%d MiB written under the prefix, history compacted to revision %d", fillerBytes>>20, rev)
		return nil
	})
}

// fill writes fillerBytes of changes to keys under the prefix that name
// no user, in transactions of a few hundred kilobytes, then removes those
// keys, and returns the revision of the removal.
func (h *harness) fill(ctx context.Context) (int64, error) {
	const (
		size = 2 << 10
		keys = 100 // a transaction's puts, under etcd's --max-txn-ops
	)
	ctx, cancel := context.WithTimeout(ctx, serveTimeout)
	defer cancel()
	v := strings.Repeat("x", size)
	ops := make([]clientv3.Op, keys)
	for i := range ops {
		ops[i] = clientv3.OpPut(fmt.Sprintf("%sfiller/%03d", etcdPrefix, i), v)
	}
	for range fillerBytes / (size * keys) {
		if _, err := h.etcd.Txn(ctx).Then(ops...).Commit(); err != nil {
			return 0, fmt.Errorf("writing under the prefix: %w", err)
		}
	}
	resp, err := h.etcd.Delete(ctx, etcdPrefix+"filler/", clientv3.WithPrefix())
	if err != nil {
		return 0, fmt.Errorf("removing what was written under the prefix: %w", err)
	}
	return resp.Header.Revision, nil
}

// paused runs disrupt while the first app server is stopped, with
// pauseUsers held users reset through the other servers first, and
// requests with their old and new tokens queued on connections to the
// stopped server before it runs again. It notes what those requests got.
func (h *harness) paused(ctx context.Context, r *result, disrupt func() error) error {
	p := h.apps[0]
	others := h.apps[1:]
	users := h.ledger.accounts[:h.pauseUsers]
	for _, acc := range users {
		h.ledger.hold(acc, true)
		defer h.ledger.hold(acc, false)
	}
	if err := poll(ctx, serveTimeout, func() bool {
		for _, acc := range users {
			if h.ledger.resetting(acc) {
				return false
			}
		}
		return true
	}); err != nil {
		return errors.New("resets of the held users still in flight")
	}

	// Each user gets a token known to be current, and two open
	// connections to p, on which that token is accepted: p has it
	// cached.
	for i, acc := range users {
		if err := h.resetHeld(ctx, others[i%len(others)], acc); err != nil {
			return err
		}
	}
	oldConns := make([]*http.Client, len(users))
	newConns := make([]*http.Client, len(users))
	for i, acc := range users {
		for _, c := range []**http.Client{&oldConns[i], &newConns[i]} {
			hc := &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxConnsPerHost: 1}}
			defer hc.CloseIdleConnections()
			*c = hc
			if err := poll(ctx, serveTimeout, func() bool {
				v, ok := h.ld.verify(ctx, p, hc, acc, false)
				return ok && v == accepted
			}); err != nil {
				return fmt.Errorf("%s does not accept %s: %w", p.name(), acc.name, err)
			}
		}
	}

	if err := p.pause(true); err != nil {
		return err
	}
	r.start = time.Now()
	defer func() { _ = p.pause(false) }() // if anything below fails
	for i, acc := range users {
		if err := h.resetHeld(ctx, others[i%len(others)], acc); err != nil {
			return err
		}
	}
	r.note("%s stopped; %d users reset through the others in %s", p.name(), len(users), ms(time.Since(r.start)))
	if err := disrupt(); err != nil {
		return err
	}

	type answer struct {
		v   verdict
		old bool
	}
	answers := make(chan answer, 2*len(users))
	written := make(chan struct{}, 2*len(users))
	trace := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			select {
			case written <- struct{}{}:
			default: // written again, on a new connection
			}
		},
	})
	var wg sync.WaitGroup
	for i, acc := range users {
		for _, old := range []bool{true, false} {
			hc := newConns[i]
			if old {
				hc = oldConns[i]
			}
			wg.Go(func() {
				v, _ := h.ld.verify(trace, p, hc, acc, old)
				answers <- answer{v, old}
			})
		}
	}
	for range 2 * len(users) {
		select {
		case <-written:
		case <-time.After(requestTimeout):
			return errors.New("the queued requests were not written")
		}
	}
	sleepUntil(ctx, r.start.Add(minPause))
	if err := p.pause(false); err != nil {
		return err
	}
	r.end = time.Now()
	wg.Wait()
	close(answers)

	var old, fresh [nVerdicts]int
	for a := range answers {
		if a.old {
			old[a.v]++
		} else {
			fresh[a.v]++
		}
	}
	r.note("paused %s; queued meanwhile: old tokens %s; new tokens %s",
		ms(r.end.Sub(r.start)), countsText(old), countsText(fresh))
	return nil
}

// resetHeld resets the held user acc through a, trying again while the
// outcome is unknown.
func (h *harness) resetHeld(ctx context.Context, a *app, acc *account) error {
	for range 5 {
		if !h.ledger.beginReset(acc, true) {
			return fmt.Errorf("%s: a reset already in flight", acc.name)
		}
		if h.ld.reset(ctx, a, acc) {
			return nil
		}
	}
	return fmt.Errorf("no reset of %s acknowledged by %s", acc.name, a.name())
}

// countsText says how many of each verdict counts holds.
func countsText(counts [nVerdicts]int) string {
	var parts []string
	for v, n := range counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d× %s", n, verdict(v)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// sleepUntil sleeps until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// ms rounds d to the millisecond, or below a millisecond to 10 µs, for
// reports.
func ms(d time.Duration) time.Duration {
	if d < time.Millisecond && d > -time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
