package exampletest

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Timeout bounds every wait on a child process: for a line in its log, for
// its exit, for a command to finish.
const Timeout = 10 * time.Second

// listening matches the line the example servers log once they accept
// connections.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// Proc is a running example server.
type Proc struct {
	cmd  *exec.Cmd
	out  *logBuffer // stdout and stderr together
	done chan struct{}
}

// Start starts bin with args and with env added to the test's environment.
// When the test ends the process is killed, if it still runs, and waited for.
func Start(t testing.TB, bin string, env []string, args ...string) *Proc {
	t.Helper()
	out := newLogBuffer()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	p := &Proc{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // the exit status is read from cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // fails harmlessly if it has exited
		<-p.done
	})
	return p
}

// StartServer starts an example server as Start does and returns it with
// its base URL, read from the address it logs once listening.
func StartServer(t testing.TB, bin string, env []string, args ...string) (*Proc, string) {
	t.Helper()
	p := Start(t, bin, env, args...)
	m := p.WaitLog(t, listening)
	return p, "http://" + m[1]
}

// WaitLog waits up to Timeout for re to match the process's output and
// returns the submatches. It fails the test if the process exits first or
// the time runs out.
func (p *Proc) WaitLog(t testing.TB, re *regexp.Regexp) []string {
	t.Helper()
	m := p.out.waitFor(re, Timeout, p.done)
	require.NotNilf(t, m, "no output matching %q; output so far:\n%s", re, p.Output())
	return m
}

// Output returns everything the process wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// Stop sends sig to the process, waits up to Timeout for it to exit and
// returns its exit code (-1 if a signal killed it).
func (p *Proc) Stop(t testing.TB, sig os.Signal) int {
	t.Helper()
	p.Signal(t, sig)
	return p.Wait(t)
}

// Signal sends sig to the process.
func (p *Proc) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
}

// Wait waits up to Timeout for the process to exit and returns its exit
// code (-1 if a signal killed it).
func (p *Proc) Wait(t testing.TB) int {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		require.FailNowf(t, "process did not exit", "output so far:\n%s", p.Output())
	}
	return p.cmd.ProcessState.ExitCode()
}
