//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdPrefix is the key prefix of the run's users.
const etcdPrefix = "/etcdfaults/users/"

// Bounds of a run.
const (
	buildTimeout   = 5 * time.Minute
	recoverTimeout = 30 * time.Second // for every server to serve again after a repair
	quietTimeout   = 20 * time.Second // for the requests in flight to be answered
	settleTimeout  = 10 * time.Second // for goroutines and descriptors to come back down
	steady         = 3 * time.Second  // of load before the first fault
)

// The programs a run builds and starts.
const (
	memberPackage = "github.com/fixiecreds/fixiecreds/examples/internal/etcdmember"
	serverPackage = "github.com/fixiecreds/fixiecreds/examples/etcdserver"
)

// config is what the flags set.
type config struct {
	Members, Apps, Users int
	Load                 loadConfig
	Hold                 time.Duration // how long a fault lasts
	PauseUsers           int           // users reset while an app server is stopped
	GoroutineSlack       int           // above the steady count, after each fault
	FDSlack              int
	Timeout              time.Duration
	Keep                 bool // keep the logs and data
}

// A harness is a running run: the cluster, the app servers, the load.
type harness struct {
	cfg        config
	hold       time.Duration
	pauseUsers int
	cl         *cluster
	apps       []*app
	ledger     *ledger
	rec        *recorder
	ld         *load
	etcd       *clientv3.Client // the run's own, for its writes
	progress   io.Writer
}

// A result is what was seen of one fault.
type result struct {
	name       string
	start, end time.Time // the fault began; it was repaired
	etcdBack   time.Time // etcd answered after the repair
	notes      []string
	recovered  []time.Duration // per server, from the repair to its first correct 200; -1 if none
	gaps       []time.Duration // per server, the longest time without a correct 200
	usage      []usage         // per server, once quiet
}

func (r *result) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// run builds the programs, starts the cluster and the servers, runs the
// load and each fault in turn, and writes the report to out. It returns
// the report, and an error if the run could not be carried out.
func run(ctx context.Context, cfg config, out, progress io.Writer) (*report, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "etcdfaults-")
	if err != nil {
		return nil, err
	}
	if cfg.Keep {
		defer fmt.Fprintln(progress, "logs and data kept in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	kids := &children{}
	defer kids.killAll()

	step(progress, "building etcd %s and examples/etcdserver", "v3.7.3")
	if err := build(ctx, dir); err != nil {
		return nil, err
	}
	h := &harness{cfg: cfg, hold: cfg.Hold, pauseUsers: cfg.PauseUsers, progress: progress}
	if h.cl, err = newCluster(filepath.Join(dir, "etcdmember"), dir, kids, cfg.Members); err != nil {
		return nil, err
	}
	step(progress, "starting %d etcd members on %s", cfg.Members, h.cl.endpoints())
	for _, m := range h.cl.members {
		if err := h.cl.start(m); err != nil {
			return nil, err
		}
	}
	if _, err := h.cl.waitAnswering(ctx); err != nil {
		return nil, err
	}
	if h.etcd, err = h.cl.client(); err != nil {
		return nil, err
	}
	defer h.etcd.Close()

	for i := range cfg.Apps {
		a, err := startApp(ctx, kids, filepath.Join(dir, "etcdserver"), dir, i, h.cl.endpoints())
		if err != nil {
			return nil, err
		}
		h.apps = append(h.apps, a)
	}
	step(progress, "%d servers listening; registering %d users", len(h.apps), cfg.Users)
	h.ledger = newLedger(cfg.Users)
	if err := register(ctx, h.apps, h.ledger); err != nil {
		return nil, err
	}

	h.rec = newRecorder(len(h.apps), 1+len(faults))
	h.ld = newLoad(cfg.Load, h.apps, h.ledger, h.rec)
	loadCtx, stopLoad := context.WithCancel(ctx)
	h.ld.start(loadCtx)
	defer h.ld.wait()
	defer stopLoad()

	rep := &report{cfg: cfg, apps: len(h.apps), leaky: map[int]bool{}}
	defer func() { rep.tallies = h.tallies(); rep.wrong = h.rec.wrongAnswers(); rep.write(out) }()

	step(progress, "steady load for %s", steady)
	sleepUntil(ctx, time.Now().Add(steady))
	if rep.baseline, err = h.quietUsage(ctx, nil); err != nil {
		return rep, err
	}
	for i, f := range faults {
		h.rec.setPhase(i + 1)
		h.ld.resume()
		step(progress, "fault %d/%d: %s", i+1, len(faults), f.name)
		r := &result{name: f.name}
		rep.results = append(rep.results, r)
		if err := f.do(ctx, h, r); err != nil {
			return rep, fmt.Errorf("%s: %w", f.name, err)
		}
		if err := h.settle(ctx, r, rep); err != nil {
			return rep, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	stopLoad()
	h.ld.wait()

	for _, a := range h.apps {
		if rep.leaky[a.i] {
			rep.dumps = append(rep.dumps, a.dump())
			continue
		}
		if err := a.stop(); err != nil {
			rep.fail("%v", err)
		}
	}
	h.checkLogs(rep)
	return rep, nil
}

// settle waits until etcd answers and every server serves again after
// r's repair, then quiets the load and reads what each server holds.
func (h *harness) settle(ctx context.Context, r *result, rep *report) error {
	var err error
	if r.etcdBack, err = h.cl.waitAnswering(ctx); err != nil {
		return err
	}
	deadline := r.end.Add(recoverTimeout)
	last := r.end
	for _, a := range h.apps {
		var at time.Time
		_ = poll(ctx, time.Until(deadline), func() bool {
			var ok bool
			at, ok = h.rec.servedAfter(a.i, r.end)
			return ok
		})
		took := time.Duration(-1)
		if !at.IsZero() {
			took = at.Sub(r.end)
			last = laterOf(last, at)
		} else {
			rep.fail("%s: %s served no correct 200 within %s of the repair", r.name, a.name(), recoverTimeout)
		}
		r.recovered = append(r.recovered, took)
	}
	for _, a := range h.apps {
		r.gaps = append(r.gaps, h.rec.longestGap(a.i, r.start, last))
	}
	r.usage, err = h.quietUsage(ctx, rep)
	if err != nil {
		return err
	}
	h.ld.resume()
	return nil
}

// quietUsage quiets the load and reads each server's goroutines and
// descriptors. With a report, it waits up to settleTimeout for them to
// come within its slack of the report's baseline, and fails the report
// for a server whose counts do not.
func (h *harness) quietUsage(ctx context.Context, rep *report) ([]usage, error) {
	if err := h.ld.quiesce(ctx, quietTimeout); err != nil {
		return nil, err
	}
	us := make([]usage, len(h.apps))
	for i, a := range h.apps {
		var err error
		wait := settleTimeout
		if rep != nil && rep.leaky[i] {
			wait = 0 // found already; the table shows how it goes on
		}
		_ = poll(ctx, wait, func() bool {
			us[i], err = a.usage(ctx)
			return err == nil && (rep == nil || rep.within(i, us[i]))
		})
		if err != nil {
			return nil, err
		}
		if rep != nil && !rep.within(i, us[i]) && !rep.leaky[i] {
			rep.leaky[i] = true
			rep.fail("%s: %d goroutines and %d descriptors, %d and %d at the start",
				a.name(), us[i].goroutines, us[i].fds, rep.baseline[i].goroutines, rep.baseline[i].fds)
		}
	}
	return us, nil
}

// tallies returns what the requests of each phase got.
func (h *harness) tallies() []tally {
	var ts []tally
	for i := range 1 + len(faults) {
		ts = append(ts, h.rec.tally(i))
	}
	return ts
}

// checkLogs fails the report if a server's log holds a token.
func (h *harness) checkLogs(rep *report) {
	tokens := h.ledger.tokens()
	for _, a := range h.apps {
		data, err := os.ReadFile(a.log)
		if err != nil {
			rep.fail("%v", err)
			continue
		}
		for _, t := range tokens {
			if strings.Contains(string(data), t) {
				rep.fail("%s logged a token", a.name())
				break
			}
		}
	}
}

// build builds the etcd member and examples/etcdserver into dir.
func build(ctx context.Context, dir string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", dir+string(filepath.Separator), memberPackage, serverPackage)
	cmd.SysProcAttr = dieWithParent()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// step writes a line of progress.
func step(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
