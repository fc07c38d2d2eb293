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

// docs are the READMEs whose code the tests build, relative to root.
var docs = []string{
	"README.md",
	"middleware/README.md",
	"cache/README.md",
	"cache/httpapi/README.md",
	"cache/etcdstore/README.md",
	"examples/README.md",
}

// doc returns the text of the file name, relative to root.
func doc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(data)
}

// readme returns README.md's text.
func readme(t *testing.T) string { return doc(t, "README.md") }

// block is a code block of a README.
type block struct {
	doc  string // the file it is in, relative to root
	n    int    // its place among the file's blocks of its language, from 1
	text string
}

func (b block) String() string { return fmt.Sprintf("%s, go block %d", b.doc, b.n) }

// codeBlocks returns the contents of text's code blocks in language lang.
func codeBlocks(text, lang string) []string {
	re := regexp.MustCompile("(?ms)^ *```" + lang + "\n(.*?)^ *```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// goBlocks returns every ```go block of the docs.
func goBlocks(t *testing.T) []block {
	t.Helper()
	var bs []block
	for _, d := range docs {
		for i, b := range codeBlocks(doc(t, d), "go") {
			bs = append(bs, block{doc: d, n: i + 1, text: b})
		}
	}
	return bs
}

// programs returns the docs' complete programs.
func programs(t *testing.T) []block {
	t.Helper()
	var progs []block
	for _, b := range goBlocks(t) {
		if strings.HasPrefix(b.text, "package main\n") {
			progs = append(progs, b)
		}
	}
	return progs
}

// Every complete program in the docs builds against the current code, in
// the examples module, where the routers the programs use are
// dependencies.
func TestProgramsBuild(t *testing.T) {
	t.Parallel()
	progs := programs(t)
	// net/http; the router, chi, gorilla/mux, Echo, HTTP client and remote
	// client programs; the server on etcd.
	require.GreaterOrEqual(t, len(progs), 8)
	for i, p := range progs {
		t.Run(fmt.Sprint("program", i+1), func(t *testing.T) {
			t.Parallel()
			buildProgram(t, p.text, i+1)
		})
	}
}

// buildProgram builds the program src as if it were a package of the
// examples module, without touching the working tree, and returns the
// binary's path. n tells the packages of parallel builds apart.
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

// The docs' Go is gofmt'ed, and the fragments at least parse: as
// declarations (a function of a program), or as statements (a configured
// middleware).
func TestGoBlocksFormattedAndParse(t *testing.T) {
	t.Parallel()
	blocks := goBlocks(t)
	require.NotEmpty(t, blocks)
	for _, b := range blocks {
		src := b.text
		switch {
		case strings.HasPrefix(src, "package main\n"):
		case declares(src):
			src = "package p\n\n" + src
		default:
			src = "package p\n\nfunc _() {\n" + src + "}\n"
		}
		formatted, err := format.Source([]byte(src))
		if assert.NoErrorf(t, err, "%s:\n%s", b, b.text) && src == b.text {
			assert.Equalf(t, string(formatted), src, "%s is not gofmt'ed", b)
		}
	}
}

// declares reports whether src, past its leading comments, is a
// declaration of a function.
func declares(src string) bool {
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(line, "//") {
			return strings.HasPrefix(line, "func ")
		}
	}
	return false
}

// The gin adapter that middleware/README.md shows is the one
// examples/gin runs.
func TestGinAdapterAsRun(t *testing.T) {
	t.Parallel()
	app := doc(t, "examples/gin/app.go")
	start := strings.Index(app, "// auth is gin middleware")
	require.GreaterOrEqual(t, start, 0, "examples/gin/app.go has no auth")
	end := strings.Index(app[start:], "\n}\n")
	require.GreaterOrEqual(t, end, 0)
	var shown []string
	for _, b := range goBlocks(t) {
		if b.doc == "middleware/README.md" && strings.Contains(b.text, "func auth(") {
			shown = append(shown, b.text)
		}
	}
	require.Len(t, shown, 1, "middleware/README.md shows the gin adapter once")
	assert.Equal(t, app[start:start+end+3], shown[0])
}
