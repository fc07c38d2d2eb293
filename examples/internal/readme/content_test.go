package readme

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "server")) }

// TestCommands: the README's first commands run the example server with
// its address visible, and test every module in one line, the modules CI
// tests.
func TestCommands(t *testing.T) {
	t.Parallel()
	sh := codeBlocks(readme(t), "sh")
	require.NotEmpty(t, sh, "no sh code block")
	first := sh[0]
	assert.Regexp(t, `(?m)^go run \./examples/server -addr 127\.0\.0\.1:8080\b`, first)
	// ./... stops at a nested go.mod, so the line names each module of
	// go.work.
	line := regexp.MustCompile(`(?m)^go test -race ((?:\./\S*\.\.\.\s*)+)`).FindStringSubmatch(first)
	require.NotNil(t, line, "no go test -race line")
	patterns := strings.Fields(line[1])
	work := doc(t, "go.work")
	var modules []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(\.[^\s)]*)$`).FindAllStringSubmatch(work, -1) {
		modules = append(modules, strings.TrimSuffix(m[1], "/")+"/...")
	}
	require.NotEmpty(t, modules, "no modules in go.work")
	assert.Subset(t, patterns, modules, "the README's test line names every module of go.work")
	ci := regexp.MustCompile(`(?m)^modules="([^"]*)"`).FindStringSubmatch(doc(t, ".ci/run"))
	require.NotNil(t, ci, "no modules= in .ci/run")
	assert.Subset(t, patterns, strings.Fields(ci[1]), "the README's test line tests what CI tests")
	assert.Regexp(t, `(?m)^go test -race .*gcc`, first, "the line says what -race needs")
}

// TestREADMEOpening: at most 300 lines, with a curl session, an install
// recipe that tidies once the code exists, a program that logs why it
// refused, a link to every door and to "Why do I get 401?".
func TestREADMEOpening(t *testing.T) {
	t.Parallel()
	text := readme(t)
	assert.LessOrEqual(t, strings.Count(text, "\n"), 300)
	assert.Contains(t, text, "https://github.com/ergs/fixie-creds")

	console := codeBlocks(text, "console")
	require.NotEmpty(t, console)
	assert.GreaterOrEqual(t, strings.Count(console[0], "$ curl ")+strings.Count(console[0], "$(curl "), 3, "three curl lines")

	var install string
	for _, b := range codeBlocks(text, "sh") {
		if strings.Contains(b, "git clone") {
			install = b
		}
	}
	require.NotEmpty(t, install, "no install recipe")
	replace := strings.Index(install, "-replace=github.com/fixiecreds/fixiecreds=")
	code := strings.Index(install, "main.go")
	tidy := strings.Index(install, "go mod tidy")
	assert.Positive(t, replace, "the recipe replaces the module with the clone")
	assert.Greater(t, code, replace, "the code is written after the replace")
	assert.Greater(t, tidy, code, "go mod tidy runs once the code exists")

	assert.Contains(t, programs(t)[0].text, "OnOutcome", "the README's first program logs why it refused")
	for _, door := range []string{
		"middleware/README.md#chi-gorillamux-alice",
		"middleware/README.md#echo",
		"middleware/README.md#gin",
		"middleware/README.md#grpc",
		"middleware/README.md#reverse-proxies-forward-auth",
		"(#why-do-i-get-401)",
	} {
		assert.Contains(t, text, door)
	}
}

// TestNetHTTPProgram runs the README's first program: it serves on the
// address -addr gives, lets a registered user through, refuses a request
// without credentials and logs why, as the README shows.
func TestNetHTTPProgram(t *testing.T) {
	t.Parallel()
	text := readme(t)
	prog := programs(t)[0]
	require.Equal(t, "README.md", prog.doc)
	bin := buildProgram(t, prog.text, 100)
	p := exampletest.Start(t, bin, []string{"FIXIE_CREDS_DIR=" + filepath.Join(t.TempDir(), "creds")}, "-addr", "127.0.0.1:0")
	addr := p.WaitLog(t, regexp.MustCompile(`listening on (\S+)`))[1]
	c := exampletest.NewClient(t, "http://"+addr)
	token := c.Register("alice", "alice@example.org")
	code, body := c.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, alice!\n", body)
	code, _, _ = c.Get("/hello", nil)
	assert.Equal(t, http.StatusUnauthorized, code)

	// The log lines the README shows, without their time stamps.
	sample := regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (auth /hello: .*)$`).FindStringSubmatch(text)
	require.NotNil(t, sample, "the README shows no refusal logged")
	p.WaitLog(t, regexp.MustCompile(regexp.QuoteMeta(sample[1])))
}

// TestClientProgram runs the Go client against the example server: with
// the token register gave, it is let through; with a quoted one, refused.
func TestClientProgram(t *testing.T) {
	t.Parallel()
	var src string
	for _, p := range programs(t) {
		if strings.Contains(p.text, `req.Header.Set("X-Fixie-Token"`) {
			src = p.text
		}
	}
	require.NotEmpty(t, src, "no client program")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "server"), nil,
		"-addr", "127.0.0.1:0", "-dir", filepath.Join(t.TempDir(), "creds"))
	token := exampletest.NewClient(t, base).Register("alice", "alice@example.org")

	// The program calls the example server at its default address; this
	// one listens where it could.
	src = strings.Replace(src, "http://127.0.0.1:8080", base, 1)
	bin := buildProgram(t, src, 101)
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

// TestProgramPorts: each program of the docs that serves takes its
// address from -addr, with a default from 8084 to 8090 that no other
// program of the docs takes, and listens nowhere else.
func TestProgramPorts(t *testing.T) {
	t.Parallel()
	flagAddr := regexp.MustCompile(`flag\.String\("addr", "127\.0\.0\.1:(\d+)"`)
	literal := regexp.MustCompile(`(?:ListenAndServe\(|Start\(|Listen\("tcp", )"`)
	serves := regexp.MustCompile(`ListenAndServe|http\.Serve\(|\.Start\(`)
	seen := map[string]string{}
	servers := 0
	for _, p := range programs(t) {
		assert.NotRegexp(t, literal, p.text, "%s listens on a fixed address", p)
		if !serves.MatchString(p.text) {
			continue
		}
		servers++
		m := flagAddr.FindStringSubmatch(p.text)
		if !assert.NotNil(t, m, "%s serves without an -addr flag", p) {
			continue
		}
		port, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		assert.True(t, 8084 <= port && port <= 8090, "%s: default port %d outside 8084-8090", p, port)
		if prev, ok := seen[m[1]]; ok {
			t.Errorf("%s and %s both listen on %s by default", prev, p, m[1])
		}
		seen[m[1]] = p.String()
	}
	assert.GreaterOrEqual(t, servers, 7)
}

// section returns the text of doc name from its heading line heading to
// the next heading of the same level or higher.
func section(t *testing.T, name, heading string) string {
	t.Helper()
	text := doc(t, name)
	start := strings.Index(text, "\n"+heading+"\n")
	require.GreaterOrEqual(t, start, 0, "%s has no %q", name, heading)
	level := heading[:strings.IndexByte(heading, ' ')+1]
	rest := text[start+1+len(heading):]
	for _, h := range []string{"\n# ", "\n## ", "\n### "} {
		if len(h)-2 > len(level)-1 {
			break
		}
		if i := strings.Index(rest, h); i >= 0 {
			rest = rest[:i]
		}
	}
	return rest
}

// TestExampleServerFlagsTable: the example servers' table names every
// flag that -h lists.
func TestExampleServerFlagsTable(t *testing.T) {
	t.Parallel()
	sec := section(t, "examples/README.md", "## The example servers")
	r := exampletest.Run(t, exampletest.Bin(t, "server"), nil, "", "-h")
	require.Equal(t, 0, r.Code)
	flags := regexp.MustCompile(`(?m)^\s+-([\w-]+)`).FindAllStringSubmatch(r.Stderr, -1)
	require.GreaterOrEqual(t, len(flags), 4, r.Stderr)
	for _, f := range flags {
		assert.Contains(t, sec, "`-"+f[1]+"`")
	}
}

// TestConfigurationTables: the tables name every option of the cache and
// every field of the configurations.
func TestConfigurationTables(t *testing.T) {
	t.Parallel()
	options := section(t, "cache/README.md", "## Options")
	files, err := filepath.Glob(filepath.Join(root, "cache", "*.go"))
	require.NoError(t, err)
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || len(fn.Type.Results.List) != 1 {
				continue
			}
			if id, ok := fn.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "Option" {
				n++
				assert.Contains(t, options, "`"+fn.Name.Name+"(", "cache options table")
			}
		}
	}
	assert.GreaterOrEqual(t, n, 7, "cache options found")

	for _, tc := range []struct {
		doc, heading string
		typ          reflect.Type
	}{
		{"middleware/README.md", "### middleware.Config", reflect.TypeFor[middleware.Config]()},
		{"middleware/README.md", "### echomw.AuthConfig", reflect.TypeFor[echomw.AuthConfig]()},
		{"cache/httpapi/README.md", "### httpapi.ClientConfig", reflect.TypeFor[httpapi.ClientConfig]()},
		{"cache/httpapi/README.md", "## httpapi.HandlerConfig", reflect.TypeFor[httpapi.HandlerConfig]()},
	} {
		sec := section(t, tc.doc, tc.heading)
		for _, f := range reflect.VisibleFields(tc.typ) {
			if f.IsExported() {
				assert.Contains(t, sec, "`"+f.Name+"`", "%s: %s", tc.doc, tc.heading)
			}
		}
	}
}

// slug is the anchor GitHub gives a heading: lower case, without
// punctuation but hyphens and underscores, spaces made hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSlug(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "chi-gorillamux-alice", slug("chi, gorilla/mux, alice"))
	assert.Equal(t, "why-do-i-get-401", slug("Why do I get 401?"))
	assert.Equal(t, "reverse-proxies-forward-auth", slug("Reverse proxies (forward auth)"))
	assert.Equal(t, "middlewareconfig", slug("middleware.Config"))
	assert.Equal(t, "slow-clients-the-connection-cap-and-the-kernels-backlog", slug("Slow clients, the connection cap and the kernel's backlog"))
	assert.Equal(t, "credsctl-on-etcd-moving-a-directory-in-and-out", slug("credsctl on etcd; moving a directory in and out"))
}

// anchors returns the anchors of a Markdown text's headings, outside code
// blocks; a heading met again gets -1, -2, … as on GitHub.
func anchors(text string) map[string]bool {
	as := map[string]bool{}
	count := map[string]int{}
	inCode := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
			inCode = !inCode
			continue
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		s := slug(strings.TrimSpace(strings.TrimLeft(line, "#")))
		if c := count[s]; c > 0 {
			as[s+"-"+strconv.Itoa(c)] = true
		} else {
			as[s] = true
		}
		count[s]++
	}
	return as
}

// withoutCode returns text with its code blocks and code spans blanked.
func withoutCode(text string) string {
	text = regexp.MustCompile("(?ms)^ *```.*?^ *```").ReplaceAllString(text, "")
	return regexp.MustCompile("`[^`\n]*`").ReplaceAllString(text, "")
}

// TestRelativeLinks: every relative link of every Markdown file of the
// repository names a file or directory that exists and, with an #anchor,
// a heading of that file.
func TestRelativeLinks(t *testing.T) {
	t.Parallel()
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			files = append(files, path)
		}
		return nil
	}))
	require.GreaterOrEqual(t, len(files), len(docs))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	links := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(withoutCode(string(data)), -1) {
			target := m[1]
			if regexp.MustCompile(`^[a-z]+:`).MatchString(target) {
				continue
			}
			links++
			path, anchor, _ := strings.Cut(target, "#")
			dest := file
			if path != "" {
				dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s: link %s: no such file or directory", file, target)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			text, err := os.ReadFile(dest)
			if err != nil || !strings.HasSuffix(dest, ".md") {
				t.Errorf("%s: link %s: an anchor in what is not a Markdown file", file, target)
				continue
			}
			assert.True(t, anchors(string(text))[anchor], "%s: link %s: no such heading", file, target)
		}
	}
	assert.Greater(t, links, 20)
}
