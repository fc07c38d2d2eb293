package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Bounds on the server's life cycle.
const (
	buildTimeout = 5 * time.Minute
	startTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second // the examples wait up to 10 s for requests in flight
)

// examplePackages are the servers -framework names.
var examplePackages = map[string]string{
	"server": "github.com/fixiecreds/fixiecreds/examples/server",
	"echo":   "github.com/fixiecreds/fixiecreds/examples/echo",
}

// unlimitedService are the flags that turn the service's limits off in an
// example server: the load test is one client that registers and resets
// users many times faster than any one client may (see -register-limit
// and the others in the examples' flags).
var unlimitedService = []string{"-register-limit", "off", "-reset-limit", "off", "-reset-user-limit", "off"}

// server is an example server that the load test built and started, on
// 127.0.0.1 and a new credentials directory.
type server struct {
	url  string // http://127.0.0.1:PORT
	dir  string // its credentials directory
	tmp  string // holds the binary and the directory; removed by stop
	cmd  *exec.Cmd
	log  *serverLog
	done chan struct{} // closed once the process is waited for and its log read
}

// startServer builds target, a package (anything but an executable file)
// with go build, or takes it as the binary if it is an executable file,
// then starts it with -addr 127.0.0.1:0 and a new credentials directory,
// and waits for the address it logs. On success the caller must call stop.
func startServer(ctx context.Context, target string, tokens *ledger) (*server, error) {
	tmp, err := os.MkdirTemp("", "fixiecreds-loadtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: filepath.Join(tmp, "creds"), tmp: tmp, done: make(chan struct{})}
	bin, err := build(ctx, target, tmp)
	if err == nil {
		err = s.start(ctx, bin, tokens)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return s, nil
}

// build returns the binary for target, building it into dir if it is not
// an executable file.
func build(ctx context.Context, target, dir string) (string, error) {
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return target, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building %s: %w", target, err)
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	bin := filepath.Join(dir, "server")
	out, err := exec.CommandContext(ctx, goCmd, "build", "-o", bin, target).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", target, err, out)
	}
	return bin, nil
}

// start starts bin and waits for its listening line.
func (s *server) start(ctx context.Context, bin string, tokens *ledger) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	s.log = &serverLog{tokens: tokens, addr: make(chan string, 1)}
	s.cmd = exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-dir", s.dir}, unlimitedService...)...)
	s.cmd.Stdout, s.cmd.Stderr = w, w
	err = s.cmd.Start()
	w.Close() // the child holds its own copy
	if err != nil {
		r.Close()
		return err
	}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		defer r.Close()
		s.log.read(r)
	}()
	go func() {
		_ = s.cmd.Wait() // the exit status is read from ProcessState
		<-logged
		close(s.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	var failed error
	select {
	case addr := <-s.log.addr:
		s.url = "http://" + addr
		if failed = checkLoopback(s.url); failed == nil {
			return nil
		}
	case <-s.done:
		failed = fmt.Errorf("%s exited: %s", bin, s.cmd.ProcessState)
	case <-timer.C:
		failed = fmt.Errorf("%s logged no listening address within %s", bin, startTimeout)
	case <-ctx.Done():
		failed = ctx.Err()
	}
	s.kill()
	start, _, _ := s.log.counts()
	return fmt.Errorf("starting the server: %w\n%s", failed, strings.Join(start, "\n"))
}

// stop sends SIGTERM, waits for the server to exit (killing it if it
// takes too long), removes its directory and returns an error unless it
// exited 0.
func (s *server) stop() error {
	defer os.RemoveAll(s.tmp)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.kill()
		return err
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
	case <-timer.C:
		s.kill()
		return fmt.Errorf("the server did not stop within %s of SIGTERM; killed", stopTimeout)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("the server exited %d on SIGTERM", code)
	}
	return nil
}

// kill kills the server and waits until it is gone.
func (s *server) kill() {
	_ = s.cmd.Process.Kill() // fails harmlessly if it has exited
	<-s.done
}
