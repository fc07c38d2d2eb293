//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Shape of the load.
const (
	workersPerApp  = 8                      // requests in flight to one server, at most, besides resets and probes
	healthInterval = 100 * time.Millisecond // between /healthz probes of a server
	maxResets      = 8                      // resets in flight, at most
)

// loadConfig is what the load does.
type loadConfig struct {
	Rate         float64 // verifies per second, over all servers
	RevokedShare float64 // share of them presenting a revoked token
	Resets       float64 // resets per second, each through a random server
}

// load is the clients of the run: verifies at a bounded rate on every
// server, a share of them with revoked tokens, resets through random
// servers, each followed by its revoked token sent at once to every
// server, and /healthz probes. Every answer is judged by the ledger and
// counted by the recorder.
type load struct {
	cfg    loadConfig
	apps   []*app
	ledger *ledger
	rec    *recorder
	health *http.Client

	quiet    atomic.Bool  // send nothing new
	inflight atomic.Int64 // requests sent and not yet answered
	slots    chan struct{}
	wg       sync.WaitGroup
}

// newLoad returns the load on apps; start starts it.
func newLoad(cfg loadConfig, apps []*app, l *ledger, rec *recorder) *load {
	return &load{
		cfg: cfg, apps: apps, ledger: l, rec: rec,
		health: &http.Client{Timeout: requestTimeout},
		slots:  make(chan struct{}, maxResets),
	}
}

// start starts the load, which runs until ctx is done; wait waits for it.
func (ld *load) start(ctx context.Context) {
	for _, a := range ld.apps {
		lim := rate.NewLimiter(rate.Limit(ld.cfg.Rate/float64(len(ld.apps))), 1)
		for range workersPerApp {
			ld.wg.Go(func() { ld.verifyLoop(ctx, a, lim) })
		}
		ld.wg.Go(func() { ld.healthLoop(ctx, a) })
	}
	if ld.cfg.Resets > 0 {
		ld.wg.Go(func() { ld.resetLoop(ctx) })
	}
}

// wait waits until every goroutine of the load has returned.
func (ld *load) wait() { ld.wg.Wait() }

// begin counts a request about to be sent, unless the load is quiet.
func (ld *load) begin() bool {
	ld.inflight.Add(1)
	if ld.quiet.Load() {
		ld.inflight.Add(-1)
		return false
	}
	return true
}

func (ld *load) end() { ld.inflight.Add(-1) }

func (ld *load) verifyLoop(ctx context.Context, a *app, lim *rate.Limiter) {
	for lim.Wait(ctx) == nil {
		acc := ld.ledger.accounts[rand.IntN(len(ld.ledger.accounts))]
		ld.verify(ctx, a, a.hc, acc, rand.Float64() < ld.cfg.RevokedShare)
	}
}

// verify sends acc's current or newest revoked token to a through hc,
// and judges and records the answer. It returns the verdict, and false
// if acc has no such token or the load is quiet.
func (ld *load) verify(ctx context.Context, a *app, hc *http.Client, acc *account, revoked bool) (verdict, bool) {
	if !ld.begin() {
		return 0, false
	}
	defer ld.end()
	t, ok := ld.ledger.ticket(acc, revoked)
	if !ok {
		return 0, false
	}
	phase := int(ld.rec.phase.Load())
	sent := time.Now()
	code := a.get(ctx, hc, "/hello", acc.name, t.token)
	answered := time.Now()
	if ctx.Err() != nil {
		return 0, false // the run ends: no answer to judge
	}
	v, served := ld.ledger.judge(t, sent, code)
	ld.rec.add(phase, a.i, acc.name, v, served, sent, answered, t)
	return v, true
}

func (ld *load) healthLoop(ctx context.Context, a *app) {
	tick := time.NewTicker(healthInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if a.paused.Load() || !ld.begin() {
			continue
		}
		phase := int(ld.rec.phase.Load())
		sent := time.Now()
		code := a.get(ctx, ld.health, "/healthz", "", "")
		if code == http.StatusOK && !a.paused.Load() {
			ld.rec.healthz(phase, time.Since(sent))
		}
		ld.end()
	}
}

func (ld *load) resetLoop(ctx context.Context) {
	lim := rate.NewLimiter(rate.Limit(ld.cfg.Resets), 1)
	for lim.Wait(ctx) == nil {
		acc := ld.ledger.accounts[rand.IntN(len(ld.ledger.accounts))]
		select {
		case ld.slots <- struct{}{}:
		default:
			continue // as many resets in flight as allowed
		}
		if !ld.ledger.beginReset(acc, false) {
			<-ld.slots
			continue
		}
		ld.wg.Go(func() {
			defer func() { <-ld.slots }()
			a := ld.apps[rand.IntN(len(ld.apps))]
			if ld.reset(ctx, a, acc) {
				ld.probeRevoked(ctx, acc)
			}
		})
	}
}

// reset resets acc through a; beginReset has been called on it. It
// reports whether the reset was acknowledged.
func (ld *load) reset(ctx context.Context, a *app, acc *account) bool {
	token := ""
	if ld.begin() {
		var err error
		token, err = issue(ctx, a, "/creds/reset", acc)
		ld.end()
		if ctx.Err() == nil {
			ld.rec.reset(int(ld.rec.phase.Load()), err == nil)
		}
	}
	ld.ledger.endReset(acc, token)
	return token != ""
}

// probeRevoked sends acc's newest revoked token to every server at once,
// each on a goroutine of the load.
func (ld *load) probeRevoked(ctx context.Context, acc *account) {
	for _, a := range ld.apps {
		ld.wg.Go(func() { ld.verify(ctx, a, a.hc, acc, true) })
	}
}

// issue asks a for a new token of acc at path (/creds/register or
// /creds/reset) and returns it.
func issue(ctx context.Context, a *app, path string, acc *account) (string, error) {
	body, err := json.Marshal(map[string]string{"user": acc.name, "email": acc.email})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct {
		Status bool   `json:"status"`
		Token  string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return "", fmt.Errorf("%s %s: %s, %w", a.name(), path, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || !answer.Status {
		return "", fmt.Errorf("%s %s: %s", a.name(), path, resp.Status)
	}
	return answer.Token, nil
}

// quiesce stops sending and waits up to timeout for every request in
// flight to be answered, then closes the idle connections: the servers'
// goroutines and descriptors are then their own, not the load's.
func (ld *load) quiesce(ctx context.Context, timeout time.Duration) error {
	ld.quiet.Store(true)
	err := poll(ctx, timeout, func() bool { return ld.inflight.Load() == 0 })
	for _, a := range ld.apps {
		a.hc.CloseIdleConnections()
	}
	ld.health.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("%d requests still in flight after %s", ld.inflight.Load(), timeout)
	}
	return nil
}

// resume sends again after quiesce.
func (ld *load) resume() { ld.quiet.Store(false) }

// register registers every user of the ledger, then resets each once, so
// that each has a current token and a revoked one. It works through the
// servers in turn, a few users at once.
func register(ctx context.Context, apps []*app, l *ledger) error {
	const parallel = 8
	errs := make(chan error, len(l.accounts))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, acc := range l.accounts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			a := apps[i%len(apps)]
			token, err := issue(ctx, a, "/creds/register", acc)
			if err != nil {
				errs <- err
				return
			}
			l.registered(acc, token)
			if !l.beginReset(acc, false) {
				errs <- errors.New("a reset in flight at registration")
				return
			}
			token, err = issue(ctx, apps[(i+1)%len(apps)], "/creds/reset", acc)
			l.endReset(acc, token)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("registering the users: %w", err)
		}
	}
	return nil
}
