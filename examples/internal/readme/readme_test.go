package readme

import (
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// root is the repository's root, relative to this package's directory; the
// examples module is its examples directory.
const root = "../../.."

// readme returns README.md's text.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	return string(data)
}

// goBlocks returns the contents of the README's ```go code blocks.
func goBlocks(text string) []string {
	re := regexp.MustCompile("(?s)```go\n(.*?)```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

func TestQuickStartCommands(t *testing.T) {
	t.Parallel()
	text := readme(t)
	first := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatchIndex(text)
	require.NotNil(t, first, "no sh code block")
	assert.Less(t, strings.Count(text[:first[0]], "\n"), 10, "the commands are not near the top")
	block := text[first[2]:first[3]]
	assert.Regexp(t, `(?m)^go run \./examples/server\b`, block)
	// One line runs every module's tests: ./... stops at a nested go.mod,
	// so it names each module of go.work, and CI runs the same patterns.
	line := regexp.MustCompile(`(?m)^go test -race ((?:\./\S*\.\.\.\s*)+)`).FindStringSubmatch(block)
	require.NotNil(t, line, "no go test -race line")
	patterns := strings.Fields(line[1])
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	require.NoError(t, err)
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(\.[^\s)]*)$`).FindAllStringSubmatch(string(work), -1) {
		want = append(want, strings.TrimSuffix(m[1], "/")+"/...")
	}
	require.NotEmpty(t, want, "no modules in go.work")
	assert.ElementsMatch(t, want, patterns, "the README's test line names every module of go.work")
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^modules="`+regexp.QuoteMeta(strings.Join(patterns, " "))+`"`, string(ci), "CI tests the same modules")
}

// programs returns the README's complete programs.
func programs(t *testing.T) []string {
	t.Helper()
	var progs []string
	for _, b := range goBlocks(readme(t)) {
		if strings.HasPrefix(b, "package main\n") {
			progs = append(progs, b)
		}
	}
	return progs
}

// Every complete program in the README builds against the current code, in
// the examples module, where the routers the programs use are
// dependencies.
func TestProgramsBuild(t *testing.T) {
	t.Parallel()
	progs := programs(t)
	require.GreaterOrEqual(t, len(progs), 7, "the net/http, router, chi, gorilla/mux, Echo, HTTP client and Client programs")
	for i, src := range progs {
		t.Run(fmt.Sprint("program", i+1), func(t *testing.T) {
			t.Parallel()
			buildProgram(t, src, i+1)
		})
	}
}

// buildProgram builds the program src, the README's n-th, as if it were
// a package of the examples module, without touching the working tree,
// and returns the binary's path.
func buildProgram(t *testing.T, src string, n int) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err)
	modRoot, err := filepath.Abs(filepath.Join(root, "examples"))
	require.NoError(t, err)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "main.go")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
	pkgDir := filepath.Join(modRoot, "internal", "readme", fmt.Sprint("program", n))
	overlay, err := json.Marshal(map[string]any{
		"Replace": map[string]string{filepath.Join(pkgDir, "main.go"): file},
	})
	require.NoError(t, err)
	overlayFile := filepath.Join(tmp, "overlay.json")
	require.NoError(t, os.WriteFile(overlayFile, overlay, 0o600))
	bin := filepath.Join(tmp, "bin")
	build := exec.Command(goCmd, "build", "-overlay", overlayFile, "-o", bin, pkgDir)
	build.Dir = modRoot
	out, err := build.CombinedOutput()
	require.NoErrorf(t, err, "program %d:\n%s\n%s", n, src, out)
	return bin
}

// The README's Go is gofmt'ed, and the fragments (such as a configured
// middleware) at least parse as statements.
func TestGoBlocksFormattedAndParse(t *testing.T) {
	t.Parallel()
	blocks := goBlocks(readme(t))
	require.NotEmpty(t, blocks)
	for i, b := range blocks {
		src := b
		if !strings.HasPrefix(b, "package main\n") {
			src = "package p\n\nfunc _() {\n" + b + "}\n"
		}
		formatted, err := format.Source([]byte(src))
		if assert.NoErrorf(t, err, "block %d:\n%s", i+1, b) && src == b {
			assert.Equalf(t, string(formatted), src, "block %d is not gofmt'ed", i+1)
		}
	}
}
