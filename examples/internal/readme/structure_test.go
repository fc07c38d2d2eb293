package readme

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "server")) }

// headings returns the README's ## and ### headings, outside code blocks.
func headings(text string) []string {
	var hs []string
	inCode := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if !inCode && (strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ")) {
			hs = append(hs, strings.TrimLeft(line, "# "))
		}
	}
	return hs
}

// slug is the anchor GitHub gives a heading: lower case, without
// punctuation but hyphens and underscores, spaces made hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSlug(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "chi-gorillamux-alice", slug("chi, gorilla/mux, alice"))
	assert.Equal(t, "why-do-i-get-401", slug("Why do I get 401?"))
	assert.Equal(t, "administer-users-credsctl", slug("Administer users: credsctl"))
	assert.Equal(t, "middlewareconfig", slug("middleware.Config"))
}

// TestContentsListsEverySection: the table of contents links every
// section and subsection, and every link of the README to a heading of
// its own lands on one.
func TestContentsListsEverySection(t *testing.T) {
	t.Parallel()
	text := readme(t)
	start := strings.Index(text, "## Contents\n")
	require.GreaterOrEqual(t, start, 0, "no Contents")
	end := strings.Index(text[start+1:], "\n## ")
	contents := text[start : start+1+end]

	anchors := map[string]bool{}
	for _, h := range headings(text) {
		if h == "Contents" {
			continue
		}
		anchors[slug(h)] = true
		assert.Contains(t, contents, "](#"+slug(h)+")", "Contents has no entry for %q", h)
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(text, -1) {
		assert.True(t, anchors[m[1]], "a link to #%s, which no heading has", m[1])
	}
}

// TestFirstScreen: the README opens with the two commands and a curl
// session, then the contents; the install section says how to use a
// clone; the quick start's test command says what -race needs; and the
// Python service is linked.
func TestFirstScreen(t *testing.T) {
	t.Parallel()
	text := readme(t)
	lines := strings.Split(text, "\n")
	contents := -1
	for i, l := range lines {
		if l == "## Contents" {
			contents = i
			break
		}
	}
	require.Positive(t, contents)
	assert.Less(t, contents, 30, "the first screen is short")
	top := strings.Join(lines[:contents], "\n")
	sh, console := strings.Index(top, "```sh\n"), strings.Index(top, "```console\n")
	require.GreaterOrEqual(t, sh, 0)
	require.Greater(t, console, sh, "a curl session follows the commands")
	assert.Contains(t, top[console:], "curl ")
	assert.Regexp(t, `(?m)^go test -race .*gcc`, top)
	assert.Contains(t, text, "https://github.com/ergs/fixie-creds")
	install := text[strings.Index(text, "## Install\n"):]
	install = install[:strings.Index(install[1:], "\n## ")]
	assert.Contains(t, install, "-replace=github.com/fixiecreds/fixiecreds=")
	assert.Contains(t, text, "## Why do I get 401?")
}

// TestProgramPorts: each program of the README that serves listens on a
// port of its own, none the example server's 8080, so that each can run
// beside it.
func TestProgramPorts(t *testing.T) {
	t.Parallel()
	listen := regexp.MustCompile(`(?:ListenAndServe|Start)\("127\.0\.0\.1:(\d+)"`)
	seen := map[string]int{}
	servers := 0
	for i, src := range programs(t) {
		ms := listen.FindAllStringSubmatch(src, -1)
		if len(ms) == 0 {
			continue
		}
		servers++
		require.Len(t, ms, 1, "program %d", i+1)
		port := ms[0][1]
		assert.NotEqual(t, "8080", port, "program %d takes the example server's port", i+1)
		if prev, ok := seen[port]; ok {
			t.Errorf("programs %d and %d both listen on %s", prev, i+1, port)
		}
		seen[port] = i + 1
	}
	assert.GreaterOrEqual(t, servers, 6)
}

// TestClientProgram runs the README's Go client against the example
// server: with the token register gave, it is let through.
func TestClientProgram(t *testing.T) {
	t.Parallel()
	var src string
	n := 0
	for i, p := range programs(t) {
		if strings.Contains(p, `req.Header.Set("X-Fixie-Token"`) {
			src, n = p, i+1
		}
	}
	require.NotEmpty(t, src, "no client program")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "server"), nil,
		"-addr", "127.0.0.1:0", "-dir", filepath.Join(t.TempDir(), "creds"))
	token := exampletest.NewClient(t, base).Register("alice", "alice@example.org")

	// The program calls the example server at its default address; this
	// one listens where it could.
	src = strings.Replace(src, "http://127.0.0.1:8080", base, 1)
	bin := buildProgram(t, src, n)
	for _, tc := range []struct{ token, want string }{
		{token, "200 OK: Hello, alice!\n"},
		{`"` + token + `"`, "401 Unauthorized: {\"message\":\"Unauthorized\"}"},
	} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "TOKEN="+tc.token)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, tc.want, string(out))
	}
}

// TestExampleServerFlagsTable: the example servers' table names every
// flag that -h lists.
func TestExampleServerFlagsTable(t *testing.T) {
	t.Parallel()
	text := readme(t)
	start := strings.Index(text, "### The example servers\n")
	require.GreaterOrEqual(t, start, 0)
	section := text[start:]
	section = section[:strings.Index(section[1:], "\n## ")]
	r := exampletest.Run(t, exampletest.Bin(t, "server"), nil, "", "-h")
	require.Equal(t, 0, r.Code)
	flags := regexp.MustCompile(`(?m)^\s+-([\w-]+)`).FindAllStringSubmatch(r.Stderr, -1)
	require.GreaterOrEqual(t, len(flags), 4, r.Stderr)
	for _, f := range flags {
		assert.Contains(t, section, "`-"+f[1]+"`")
	}
}
