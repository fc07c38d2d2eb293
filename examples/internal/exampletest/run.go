package exampletest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Result is what a finished command wrote, and its exit code.
type Result struct {
	Stdout string // everything written to standard output
	Stderr string // everything written to standard error
	Code   int    // the exit code
}

// Run runs bin with args, with env added to the test's environment and
// stdin as its standard input, and returns what it wrote and its exit code.
// A command still running after Timeout is killed and fails the test.
func Run(t testing.TB, bin string, env []string, stdin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoErrorf(t, ctx.Err(), "%s %q did not finish", bin, args)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
}
