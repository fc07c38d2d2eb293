package exampletest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// examplesPath is the import path of the directory holding the examples.
const examplesPath = "github.com/fixiecreds/fixiecreds/examples/"

// bins maps an example's name to the binary Main built for it.
var bins = map[string]string{}

// Main builds the named examples ("server", "echo", "credsctl") into a
// temporary directory, runs the tests and removes the directory. It returns
// the exit code for os.Exit. It finds the go command on $PATH, where go test
// puts the one that runs the tests.
func Main(m *testing.M, examples ...string) int {
	dir, err := os.MkdirTemp("", "fixiecreds-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	goCmd, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot build the examples:", err)
		return 1
	}
	for _, name := range examples {
		out := filepath.Join(dir, name)
		build := exec.Command(goCmd, "build", "-o", out, examplesPath+name)
		if msg, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", name, err, msg)
			return 1
		}
		bins[name] = out
	}
	return m.Run()
}

// Bin returns the binary that Main built for the named example.
func Bin(t testing.TB, name string) string {
	t.Helper()
	bin, ok := bins[name]
	require.Truef(t, ok, "example %q was not built: list it in exampletest.Main", name)
	return bin
}
