package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// churnWorkers bounds the changes in progress at once.
const churnWorkers = 4

// pickTries bounds how many users a change worker tries before giving up a
// tick because every one it picked was already changing.
const pickTries = 8

// churner changes users while clients call the protected route: resets,
// deregistrations and registrations through the service, and, if it knows
// the credentials directory, record files rewritten on disk.
type churner struct {
	svc    *service
	dir    string // the server's credentials directory; "" for no disk edits
	users  []*user
	settle time.Duration
	tokens *ledger
	notes  *notes

	mu    sync.Mutex
	churn Churn
	wrong Wrong
}

// run makes rate changes per second until end or until ctx is done, then
// waits for the changes in progress. A tick that finds every worker busy
// is counted as skipped.
func (c *churner) run(ctx context.Context, rate float64, end time.Time) {
	if rate <= 0 {
		return
	}
	ticks := make(chan struct{})
	var wg sync.WaitGroup
	for i := range churnWorkers {
		r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
		wg.Go(func() {
			for range ticks {
				c.change(ctx, r)
			}
		})
	}
	defer wg.Wait()
	defer close(ticks)

	ticker := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer ticker.Stop()
	stop := time.NewTimer(time.Until(end))
	defer stop.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop.C:
			return
		case <-ticker.C:
			select {
			case ticks <- struct{}{}:
			default:
				c.count(func(ch *Churn, _ *Wrong) { ch.Skipped++ })
			}
		}
	}
}

// change makes one change to a random user that is not already changing.
func (c *churner) change(ctx context.Context, r *rand.Rand) {
	for range pickTries {
		u := c.users[r.IntN(len(c.users))]
		old, ok := u.beginChange()
		if !ok {
			continue
		}
		token, err := c.apply(ctx, r, u, old)
		if err != nil {
			u.failChange()
			if ctx.Err() == nil { // else interrupted: not the server's fault
				c.failed(err)
			}
			return
		}
		u.endChange(token, time.Now(), c.settle)
		return
	}
	c.count(func(ch *Churn, _ *Wrong) { ch.Skipped++ })
}

// apply changes u, whose valid token is old ("" if not registered), and
// returns its valid token afterwards.
func (c *churner) apply(ctx context.Context, r *rand.Rand, u *user, old string) (string, error) {
	if old == "" {
		token, err := c.svc.register(ctx, u.name, u.email)
		c.issued(token, err, func(ch *Churn) { ch.Registrations++ })
		return token, err
	}
	x := r.Float64()
	if c.dir == "" {
		x *= 0.6 // no disk edits: resets and deregistrations only
	}
	switch {
	case x < 0.4:
		token, err := c.svc.reset(ctx, u.name, u.email)
		c.issued(token, err, func(ch *Churn) { ch.Resets++ })
		return token, err
	case x < 0.6:
		err := c.svc.deregister(ctx, u.name, old)
		c.issued("", err, func(ch *Churn) { ch.Deregistrations++ })
		return "", err
	}
	token, err := writeRecord(c.dir, u.name, u.email)
	c.issued(token, err, func(ch *Churn) { ch.DiskEdits++ })
	return token, err
}

// issued records a change that completed, and the token it issued.
func (c *churner) issued(token string, err error, kind func(*Churn)) {
	if err != nil {
		return
	}
	if token != "" {
		c.tokens.add(token)
	}
	c.count(func(ch *Churn, _ *Wrong) { kind(ch) })
}

// failed counts a change that failed, by what went wrong.
func (c *churner) failed(err error) {
	c.notes.add("change: "+err.Error(), "")
	c.count(func(ch *Churn, w *Wrong) {
		ch.Failed++
		switch {
		case errors.Is(err, errTransport):
			w.TransportErrors++
		case errors.Is(err, errServer):
			w.ServerErrors++
		default:
			w.ChurnFailed++
		}
	})
}

// count updates the counts under the lock.
func (c *churner) count(f func(*Churn, *Wrong)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.churn, &c.wrong)
}

// result returns the counts; call it once run has returned.
func (c *churner) result() (Churn, Wrong) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.churn, c.wrong
}
