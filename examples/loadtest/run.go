package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// run runs the load test that cfg describes, writes its progress and its
// report to out, and returns the report. It starts the server first if
// cfg.Start is set, and stops it before returning. An error means the test
// could not run: bad configuration, a server that does not start, or one
// that fails the setup of the users.
func run(ctx context.Context, cfg Config, out io.Writer) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	tokens := newLedger()
	var srv *server
	if cfg.Start != "" {
		fmt.Fprintf(out, "starting %s\n", cfg.Start)
		s, err := startServer(ctx, cfg.Start, tokens)
		if err != nil {
			return nil, err
		}
		srv, cfg.URL, cfg.Dir = s, s.url, s.dir
	}
	rep, err := drive(ctx, cfg, out, tokens, srv)
	if srv != nil {
		stopErr := srv.stop()
		if rep != nil {
			_, problems, leaked := srv.log.counts()
			rep.Wrong.TokensLogged = leaked
			if problems > 0 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("the server logged %d warnings or errors", problems))
			}
			if stopErr != nil {
				rep.StopFailed = true
				rep.Notes = append(rep.Notes, stopErr.Error())
			}
		}
	}
	if err != nil {
		return nil, err
	}
	rep.print(out)
	return rep, nil
}

// drive sets up the users on the server at cfg.URL, runs the two phases
// and, unless the server is one run started (srv not nil) and whose
// directory goes with it, removes the users.
func drive(ctx context.Context, cfg Config, out io.Writer, tokens *ledger, srv *server) (*Report, error) {
	hc, tr := newClient(cfg.Clients + churnWorkers)
	defer tr.CloseIdleConnections()
	svc := &service{base: cfg.URL, hc: hc}
	users := newUsers(runPrefix(), cfg.Users)
	var (
		ns  notes
		rep *Report
	)
	defer func() {
		if srv == nil {
			cleanup(svc, users, cfg.Clients, &ns)
		}
		if rep != nil {
			rep.Notes = ns.list()
		}
	}()
	if err := setup(ctx, svc, users, cfg, tokens); err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		if _, err := os.Stat(filepath.Join(cfg.Dir, users[0].name+".json")); err != nil {
			return nil, fmt.Errorf("-dir %s does not hold the server's records: %w", cfg.Dir, err)
		}
	}
	edits := "with disk edits in " + cfg.Dir
	if cfg.Dir == "" {
		edits = "without disk edits (no -dir)"
	}
	fmt.Fprintf(out, "server %s: %d clients, %d users, %s per phase; churn %g/s %s, settle %s\n",
		cfg.URL, cfg.Clients, cfg.Users, cfg.Duration, cfg.Churn, edits, cfg.Settle)

	cpu := cpuMeter{}
	if srv != nil {
		cpu.serverPID = srv.cmd.Process.Pid
	}
	m := measure{hc: hc, svc: svc, users: users, tokens: tokens, notes: &ns, cpu: cpu}
	rep = m.run(ctx, cfg, out)
	return rep, nil
}

// rounds is how many rounds each phase runs, alternating with the other.
const rounds = 4

// measure runs the two phases.
type measure struct {
	hc     *http.Client
	svc    *service
	users  []*user
	tokens *ledger
	notes  *notes
	cpu    cpuMeter
}

// run warms up, then runs the public and the protected phase, and returns
// their report.
func (m *measure) run(ctx context.Context, cfg Config, out io.Writer) *Report {
	public := &phase{hc: m.hc, url: cfg.URL + "/healthz", route: "/healthz public", users: m.users, clients: cfg.Clients, notes: m.notes}
	protected := &phase{hc: m.hc, url: cfg.URL + "/hello", route: "/hello protected", protected: true, users: m.users, clients: cfg.Clients, notes: m.notes}
	rep := &Report{MinRatio: cfg.MinRatio}

	// Warm up, unmeasured but judged: every connection open, every record
	// cached, both processes' heaps grown, so that phase 1 does not pay
	// for what phase 2 then gets for free.
	warmup := *protected
	rep.Wrong.add(warmup.run(ctx, min(cfg.Duration/10, time.Second)))

	// The phases alternate in rounds, so that neither gains from coming
	// first or last, and churn runs through both, so that the server does
	// the same writes and reloads in each: the ratio of the two is then
	// what the protection itself costs.
	ch := &churner{svc: m.svc, dir: cfg.Dir, users: m.users, settle: cfg.Settle, tokens: m.tokens, notes: m.notes}
	round := cfg.Duration / rounds
	fmt.Fprintf(out, "phases: GET /healthz (public) and GET /hello (protected), %s each in %d alternating rounds, with churn\n", cfg.Duration, rounds)
	for range rounds {
		for _, p := range []*phase{public, protected} {
			var churned sync.WaitGroup
			m.cpu.start()
			churned.Go(func() { ch.run(ctx, cfg.Churn, time.Now().Add(round)) })
			rep.Wrong.add(p.run(ctx, round))
			churned.Wait()
			server, self := m.cpu.stop()
			p.serverCPU += server
			p.clientCPU += self
		}
	}
	rep.Unprotected, rep.Protected = public.result(), protected.result()
	churn, w := ch.result()
	rep.Churn = churn
	rep.Wrong.add(w)
	rep.Interrupted = ctx.Err() != nil
	return rep
}

// runPrefix returns a prefix for the user names that no earlier run used,
// so that runs against one server do not collide.
func runPrefix() string {
	return "load-" + newToken()[:8]
}

// setup registers every user and then resets its token, so that each has
// a valid token and a revoked one from the start. Any failure is an error:
// the server is not fit to be measured.
func setup(ctx context.Context, svc *service, users []*user, cfg Config, tokens *ledger) error {
	return forEach(users, cfg.Clients, func(u *user) error {
		for _, issue := range []func(context.Context, string, string) (string, error){svc.register, svc.reset} {
			if _, ok := u.beginChange(); !ok {
				return errors.New("unreachable: a user changing during setup")
			}
			token, err := issue(ctx, u.name, u.email)
			if err != nil {
				u.failChange()
				return fmt.Errorf("setting up the users: %w", err)
			}
			tokens.add(token)
			u.endChange(token, time.Now(), cfg.Settle)
		}
		return nil
	})
}

// cleanup deregisters the users still registered, so that a run leaves a
// shared directory as it found it, even when interrupted. Failures are
// noted, not counted: the measure is over.
func cleanup(svc *service, users []*user, workers int, ns *notes) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = forEach(users, workers, func(u *user) error {
		if token, ok := u.registered(); ok {
			if err := svc.deregister(ctx, u.name, token); err != nil {
				ns.add("cleanup: "+err.Error(), "")
			}
		}
		return nil
	})
}

// forEach calls f for every user, from at most workers goroutines at once,
// and returns the first error; after one, the users not yet started are
// skipped.
func forEach(users []*user, workers int, f func(*user) error) error {
	next := make(chan *user)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		stop  = make(chan struct{})
	)
	for range min(workers, len(users)) {
		wg.Go(func() {
			for u := range next {
				if err := f(u); err != nil {
					once.Do(func() { first = err; close(stop) })
				}
			}
		})
	}
feed:
	for _, u := range users {
		select {
		case next <- u:
		case <-stop:
			break feed
		}
	}
	close(next)
	wg.Wait()
	return first
}
