package cache

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Tests of what several processes sharing a directory see run this test
// binary again as the other processes. The environment tells such a child
// which role to play and on which directory; further arguments follow
// "--". A child talks to its parent in lines: commands on stdin, results
// on stdout, errors on stderr.
const (
	childRoleEnv = "FIXIECREDS_TEST_CHILD"
	childDirEnv  = "FIXIECREDS_TEST_DIR"

	// childTimeout bounds every wait for a child.
	childTimeout = 10 * time.Second
)

func TestMain(m *testing.M) {
	if role := os.Getenv(childRoleEnv); role != "" {
		if err := runChild(role, os.Getenv(childDirEnv), childArgs(os.Args)); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", role, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	os.RemoveAll(hundredKDir()) // written by BenchmarkOpen100k, if it ran
	os.Exit(code)
}

// runChild plays role on the directory dir.
func runChild(role, dir string, args []string) error {
	in := bufio.NewScanner(os.Stdin)
	out := os.Stdout // unbuffered: each line is one write
	switch role {
	case "register":
		return registerChild(dir, args, in, out)
	case "reset":
		return resetChild(dir, args, in, out)
	case "deregister":
		return deregisterChild(dir, in, out)
	case "writer":
		return writerChild(dir, args, out)
	case "renamer":
		return renamerChild(dir, args, in, out)
	case "verifier":
		return verifierChild(dir, in, out)
	}
	return fmt.Errorf("unknown role")
}

func childArgs(args []string) []string {
	if i := slices.Index(args, "--"); i >= 0 {
		return args[i+1:]
	}
	return nil
}

// openChildCache opens the Cache a child works with.
func openChildCache(dir string, opts ...Option) (*Cache, error) {
	return New(dir, append([]Option{WithLogger(quietLog)}, opts...)...)
}

// awaitLine reads stdin until it gets want.
func awaitLine(in *bufio.Scanner, want string) error {
	for in.Scan() {
		if in.Text() == want {
			return nil
		}
	}
	return fmt.Errorf("stdin ended before %q: %v", want, in.Err())
}

// childProc is the parent's handle on a child. Its methods are called
// from the test's goroutine only.
type childProc struct {
	role   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, closed at its end
	stderr syncBuffer
	waited bool
}

// syncBuffer collects a child's stderr, written by os/exec's copying
// goroutine and read by the test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// spawnChild starts a child playing role on dir. The test's cleanup kills
// the child if it is still running and waits for it and for the goroutine
// reading its output.
func spawnChild(t testing.TB, role, dir string, args ...string) *childProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childDirEnv+"="+dir)
	c := &childProc{role: role, cmd: cmd, lines: make(chan string, 256)}
	cmd.Stderr = &c.stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	c.stdin = stdin
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	cmd.Stdout = pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		require.NoError(t, err, "starting %s", role)
	}

	stop, readerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(c.lines)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		if !c.waited {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
		<-readerDone
	})
	return c
}

// next returns the child's next line of output; ok is false once the
// output has ended.
func (c *childProc) next(t testing.TB) (line string, ok bool) {
	t.Helper()
	timeout := time.NewTimer(childTimeout)
	defer timeout.Stop()
	select {
	case line, ok = <-c.lines:
		return line, ok
	case <-timeout.C:
		t.Fatalf("%s: no output for %v", c.role, childTimeout)
		return "", false
	}
}

// expect reads the child's next line and requires it to be want.
func (c *childProc) expect(t testing.TB, want string) {
	t.Helper()
	line, ok := c.next(t)
	require.True(t, ok, "%s: output ended before %q; stderr: %s", c.role, want, c.stderr.String())
	if line != want {
		t.Fatalf("%s: got output starting %q, want %q", c.role, head(strings.Fields(line)), want)
	}
}

// send writes line to the child's stdin.
func (c *childProc) send(t testing.TB, line string) {
	t.Helper()
	_, err := io.WriteString(c.stdin, line+"\n")
	require.NoError(t, err, "%s: writing to stdin", c.role)
}

// finish closes the child's stdin, reads the rest of its output, and
// requires it to exit successfully.
func (c *childProc) finish(t testing.TB) []string {
	t.Helper()
	c.stdin.Close()
	var rest []string
	for {
		line, ok := c.next(t)
		if !ok {
			break
		}
		rest = append(rest, line)
	}
	err := c.wait()
	require.NoError(t, err, "%s failed; stderr: %s", c.role, c.stderr.String())
	return rest
}

// kill kills the child with SIGKILL, requires that this is what ended
// it, and returns the output it had not read yet.
func (c *childProc) kill(t testing.TB) []string {
	t.Helper()
	require.NoError(t, c.cmd.Process.Kill(), "%s: killing", c.role)
	var rest []string
	for {
		line, ok := c.next(t)
		if !ok {
			break
		}
		rest = append(rest, line)
	}
	c.wait()
	ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL,
		"%s ended with %v before it was killed; stderr: %s", c.role, c.cmd.ProcessState, c.stderr.String())
	return rest
}

func (c *childProc) wait() error {
	c.waited = true
	return c.cmd.Wait()
}
