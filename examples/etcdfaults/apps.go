//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Bounds on what the app servers do.
const (
	appStartTimeout = 20 * time.Second
	appStopTimeout  = 15 * time.Second // the server waits up to 10 s for requests in flight
	requestTimeout  = 15 * time.Second // longer than any pause, so that queued requests are answered
)

// listening matches the line an example server logs once it accepts
// connections.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// An app is one examples/etcdserver process.
type app struct {
	i       int
	bin     string
	args    []string // without -addr
	addr    string   // host:port, kept across restarts
	base    string   // http://addr
	metrics string   // http://host:port of its /metrics, kept across restarts
	log     string
	proc    *child
	hc      *http.Client // the load's connections
	paused  atomic.Bool  // SIGSTOPped: its /healthz times mean nothing
	kids    *children
}

// startApp starts server i of the run on endpoints, on a free port, and
// waits until it listens.
func startApp(ctx context.Context, kids *children, bin, dir string, i int, endpoints string) (*app, error) {
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	a := &app{
		i:       i,
		bin:     bin,
		metrics: "http://" + metrics,
		args: []string{
			"-etcd", endpoints, "-etcd-prefix", etcdPrefix, "-metrics-addr", metrics,
			// One client, the load, resets far more often than the
			// service lets one client do.
			"-register-limit", "off", "-reset-limit", "off", "-reset-user-limit", "off",
		},
		addr: "127.0.0.1:0",
		log:  filepath.Join(dir, fmt.Sprintf("app%d.log", i+1)),
		hc: &http.Client{
			Timeout:   requestTimeout,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		},
		kids: kids,
	}
	if _, err := a.start(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// start starts the server on a.addr and waits until it listens; it
// returns how long that took.
func (a *app) start(ctx context.Context) (time.Duration, error) {
	begun := time.Now()
	p, err := a.kids.start(a.name(), a.bin, append([]string{"-addr", a.addr}, a.args...), a.log, listening)
	if err != nil {
		return 0, err
	}
	addr, err := p.found(appStartTimeout)
	if err != nil {
		p.kill()
		return 0, err
	}
	a.proc, a.addr, a.base = p, addr, "http://"+addr
	return time.Since(begun), nil
}

// stop stops the server with SIGTERM and waits until it exits.
func (a *app) stop() error {
	if !a.proc.stop(syscall.SIGTERM, appStopTimeout) {
		return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", a.name(), appStopTimeout)
	}
	if code := a.proc.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("%s exited %d on SIGTERM", a.name(), code)
	}
	return nil
}

func (a *app) name() string { return fmt.Sprintf("app%d", a.i+1) }

// pause stops the server (SIGSTOP) or lets it run again (SIGCONT).
func (a *app) pause(on bool) error {
	if on {
		a.paused.Store(true)
		return a.proc.signal(syscall.SIGSTOP)
	}
	err := a.proc.signal(syscall.SIGCONT)
	a.paused.Store(false)
	return err
}

// get sends GET path through hc with the user's headers if user is not
// "", and returns the status code, 0 if no answer came.
func (a *app) get(ctx context.Context, hc *http.Client, path, user, token string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return 0
	}
	if user != "" {
		req.Header.Set("X-Fixie-User", user)
		req.Header.Set("X-Fixie-Token", token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0
	}
	return resp.StatusCode
}

// usage is what a server process holds.
type usage struct {
	goroutines, fds int
}

// usage reads the server's goroutines and open descriptors from its
// /metrics.
func (a *app) usage(ctx context.Context) (usage, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.metrics+"/metrics", nil)
	if err != nil {
		return usage{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return usage{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return usage{}, fmt.Errorf("%s /metrics: %s", a.name(), resp.Status)
	}
	u := usage{goroutines: -1, fds: -1}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "go_goroutines":
			u.goroutines = metricInt(value)
		case "process_open_fds":
			u.fds = metricInt(value)
		}
	}
	if err := sc.Err(); err != nil {
		return usage{}, err
	}
	if u.goroutines < 0 || u.fds < 0 {
		return usage{}, errors.New(a.name() + " /metrics has no go_goroutines or process_open_fds")
	}
	return u, nil
}

// metricInt returns the integer that a Prometheus sample value such as
// "42" or "1.7e+01" holds, -1 if none.
func metricInt(s string) int {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return int(f)
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
