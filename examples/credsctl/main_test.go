package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "credsctl", "server")) }

// keepToken is the sentence register and reset print with a new token.
const keepToken = "Store it now: it is not kept anywhere and cannot be shown again.\n"

// credsDir returns a new, empty credentials directory, made as an
// administrator makes one: credsctl creates only the default directory.
func credsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "creds")
	require.NoError(t, os.Mkdir(dir, 0o700))
	return dir
}

// ctl runs credsctl on dir with stdin and args.
func ctl(t *testing.T, dir, stdin string, args ...string) exampletest.Result {
	t.Helper()
	return exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, stdin, append([]string{"-dir", dir}, args...)...)
}

// issued checks that r printed a new token as it should and returns it.
func issued(t *testing.T, r exampletest.Result) string {
	t.Helper()
	require.Equal(t, 0, r.Code, "stderr: %s", r.Stderr)
	require.Regexp(t, `^[0-9a-f]{40}\n$`, r.Stdout, "the token, alone on stdout")
	assert.Contains(t, r.Stderr, keepToken)
	return strings.TrimSuffix(r.Stdout, "\n")
}

func TestCredsctlLifecycle(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	token := issued(t, ctl(t, dir, "", "register", "alice", "alice@example.org"))
	issued(t, ctl(t, dir, "", "register", "bob", "bob@example.org"))

	creds, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	hash, err := creds.HashToken(token)
	require.NoError(t, err)

	r := ctl(t, dir, "", "show", "alice")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "user: alice\nemail: alice@example.org\n"+
		"hashed_token (SHA-256, not a token): "+hash+"\n"+
		"file: "+filepath.Join(dir, "alice.json")+"\n", r.Stdout)

	r = ctl(t, dir, "", "list")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "alice\nbob\n", r.Stdout)

	r = ctl(t, dir, token+"\n", "verify", "alice")
	assert.Equal(t, 0, r.Code, "token on stdin; stderr: %s", r.Stderr)
	assert.Equal(t, "Token verified for alice.\n", r.Stdout)
	r = ctl(t, dir, "", "verify", "-token", token, "alice")
	assert.Equal(t, 0, r.Code, "token from -token; stderr: %s", r.Stderr)

	newToken := issued(t, ctl(t, dir, "", "reset", "alice", "alice@example.org"))
	assert.NotEqual(t, token, newToken)
	r = ctl(t, dir, token, "verify", "alice")
	assert.Equal(t, 1, r.Code, "old token after reset")
	assert.Equal(t, "credsctl: token refused for \"alice\"\n", r.Stderr)
	r = ctl(t, dir, newToken, "verify", "alice")
	assert.Equal(t, 0, r.Code, "new token after reset")

	r = ctl(t, dir, "", "deregister", "alice")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "Removed alice.\n", r.Stdout)
	assert.NoFileExists(t, filepath.Join(dir, "alice.json"))
	r = ctl(t, dir, "", "list")
	assert.Equal(t, "bob\n", r.Stdout)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		assert.NotContains(t, string(data), token, e.Name())
		assert.NotContains(t, string(data), newToken, e.Name())
	}
}

func TestCredsctlExitCodes(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	token := issued(t, ctl(t, dir, "", "register", "alice", "alice@example.org"))
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"wrong token", "00ff", []string{"verify", "alice"}, 1, `token refused for "alice"`},
		{"malformed token", "not-hex", []string{"verify", "alice"}, 1, `token refused for "alice": it is not a token`},
		{"token with the quotes jq prints", `"` + token + `"`, []string{"verify", "alice"}, 1, "leave out quotes, a 0x and spaces"},
		{"token too long", "1" + token, []string{"verify", "alice"}, 1, "at most 40 of them"},
		{"verify unknown user", token, []string{"verify", "bob"}, 1, `user "bob" is not registered`},
		{"register taken", "", []string{"register", "alice", "a@example.org"}, 1, `user "alice" is already registered`},
		{"reset other email", "", []string{"reset", "alice", "eve@example.org"}, 1, `"eve@example.org" is not the email registered for "alice"`},
		{"reset unknown user", "", []string{"reset", "bob", "bob@example.org"}, 1, `user "bob" is not registered`},
		{"deregister unknown user", "", []string{"deregister", "bob"}, 1, `user "bob" is not registered`},
		{"show unknown user", "", []string{"show", "bob"}, 1, `user "bob" is not registered`},
		{"no command", "", nil, 2, "Usage: credsctl"},
		{"unknown command", "", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"missing argument", "", []string{"register", "alice"}, 2, "register takes 2 argument(s), got 1"},
		{"extra argument", "", []string{"list", "all"}, 2, "list takes 0 argument(s), got 1"},
		{"unknown flag", "", []string{"verify", "-nope", "alice"}, 2, "flag provided but not defined: -nope"},
		{"no token", "", []string{"verify", "alice"}, 2, "no token"},
		{"unusable name", "", []string{"register", ".hidden", "a@example.org"}, 2, `".hidden" cannot be a user name: it starts with '.'`},
		{"name with a space", "", []string{"register", "bob ", "b@example.org"}, 2, `"bob " cannot be a user name: it holds a space (U+0020); new names hold none`},
		{"look-alike name", "", []string{"register", "cafe\u0301", "c@example.org"}, 2, `"cafe\u0301" cannot be a user name: it holds decomposed characters; write it in Unicode NFC, as "caf\u00e9"`},
		{"unusable email", "", []string{"register", "carol", "carol at example"}, 2, `"carol at example" is not a single email address`},
		{"directory is a file", "", []string{"-dir", notADir, "list"}, 3, "credsctl: cache: credentials directory"},
		{"flag after the arguments, unknown", "", []string{"show", "alice", "-nope"}, 2, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := ctl(t, dir, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.Code, "stderr: %s", r.Stderr)
			assert.Contains(t, r.Stderr, tt.stderr)
			assert.Empty(t, r.Stdout)
			assert.NotContains(t, r.Stderr, token)
		})
	}
}

func TestCredsctlHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}} {
		r := exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, "", args...)
		assert.Equal(t, 0, r.Code, "%q", args)
		assert.Contains(t, r.Stdout+r.Stderr, "deregister USER", "%q", args)
		assert.Contains(t, r.Stdout+r.Stderr, "cache.RemoveUser", "%q", args)
	}
}

func TestCredsctlDirectoryFromEnvironment(t *testing.T) {
	t.Parallel()
	fromEnv, fromFlag := credsDir(t), credsDir(t)
	bin := exampletest.Bin(t, "credsctl")
	env := []string{"FIXIE_CREDS_DIR=" + fromEnv}

	issued(t, exampletest.Run(t, bin, env, "", "register", "alice", "alice@example.org"))
	assert.FileExists(t, filepath.Join(fromEnv, "alice.json"))

	issued(t, exampletest.Run(t, bin, env, "", "-dir", fromFlag, "register", "bob", "bob@example.org"))
	assert.FileExists(t, filepath.Join(fromFlag, "bob.json"), "-dir overrides $FIXIE_CREDS_DIR")
	assert.NoFileExists(t, filepath.Join(fromEnv, "bob.json"))
}

// A running server sees what credsctl does without a restart: through
// change notifications, or with -watch=false within the poll interval.
func TestServerSeesCredsctlChanges(t *testing.T) {
	t.Parallel()
	for _, watch := range []string{"-watch=true", "-watch=false"} {
		t.Run(watch, func(t *testing.T) {
			t.Parallel()
			dir := credsDir(t)
			p, base := exampletest.StartServer(t, exampletest.Bin(t, "server"), nil,
				"-addr", "127.0.0.1:0", "-dir", dir, watch)
			p.WaitLog(t, regexp.MustCompile(`watching=`+strings.TrimPrefix(watch, "-watch=")))
			c := exampletest.NewClient(t, base)

			token := c.Register("alice", "alice@example.org")
			code, _ := c.Hello("alice", token)
			require.Equal(t, http.StatusOK, code)

			newToken := issued(t, ctl(t, dir, "", "reset", "alice", "alice@example.org"))
			c.WaitHello("alice", token, http.StatusUnauthorized)
			c.WaitHello("alice", newToken, http.StatusOK)

			issued(t, ctl(t, dir, "", "register", "bob", "bob@example.org"))
			r := ctl(t, dir, "", "deregister", "alice")
			require.Equal(t, 0, r.Code, r.Stderr)
			c.WaitHello("alice", newToken, http.StatusUnauthorized)
		})
	}
}

// TestCredsctlFlagsAfterCommand: flags may follow the command and its
// arguments, as people type them; -- ends the flags.
func TestCredsctlFlagsAfterCommand(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	bin := exampletest.Bin(t, "credsctl")
	token := issued(t, exampletest.Run(t, bin, nil, "", "register", "gina", "g@example.org", "-dir", dir))
	assert.FileExists(t, filepath.Join(dir, "gina.json"))

	r := exampletest.Run(t, bin, nil, "", "verify", "gina", "-dir", dir, "-token", token)
	assert.Equal(t, 0, r.Code, r.Stderr)
	r = exampletest.Run(t, bin, nil, "", "-dir", dir, "show", "--", "gina")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Contains(t, r.Stdout, "user: gina\n")
	r = exampletest.Run(t, bin, nil, "", "-dir", dir, "show", "--", "-dir")
	assert.Equal(t, 1, r.Code, "after --, -dir is a name")
	assert.Contains(t, r.Stderr, `user "-dir" is not registered`)
}

// TestCredsctlCreatesOnlyTheDefaultDirectory: on a directory that does
// not exist, every command given -dir (a typo, say) refuses, names it and
// leaves no directory behind; on the default one, only register and
// import create it.
func TestCredsctlCreatesOnlyTheDefaultDirectory(t *testing.T) {
	t.Parallel()
	bin := exampletest.Bin(t, "credsctl")
	src := credsDir(t)
	issued(t, exampletest.Run(t, bin, nil, "", "-dir", src, "register", "bob", "bob@example.org"))
	typo := filepath.Join(t.TempDir(), "crdes")
	all := [][]string{
		{"register", "alice", "alice@example.org"}, {"import", src},
		{"reset", "alice", "alice@example.org"}, {"deregister", "alice"},
		{"list"}, {"show", "alice"}, {"verify", "-token", "ff", "alice"}, {"export", t.TempDir()},
	}
	for _, args := range all {
		r := exampletest.Run(t, bin, nil, "", append([]string{"-dir", typo}, args...)...)
		assert.Equal(t, 3, r.Code, "%q", args)
		assert.Equal(t, "credsctl: credentials directory does not exist: "+typo+" (from -dir); check -dir, or create the directory first (mode 0700)\n", r.Stderr, "%q", args)
		assert.Empty(t, r.Stdout, "%q", args)
		assert.NoDirExists(t, typo, "%q", args)
	}
	env := []string{"FIXIE_CREDS_DIR=" + typo}
	for _, args := range all[2:] {
		r := exampletest.Run(t, bin, env, "", args...)
		assert.Equal(t, 3, r.Code, "%q", args)
		assert.Equal(t, "credsctl: credentials directory does not exist: "+typo+" (from $FIXIE_CREDS_DIR); give -dir, or register a user to create it\n", r.Stderr, "%q", args)
		assert.NoDirExists(t, typo, "%q", args)
	}
	issued(t, exampletest.Run(t, bin, env, "", all[0]...))
	assert.DirExists(t, typo, "register creates the default directory")

	other := filepath.Join(t.TempDir(), "creds")
	r := exampletest.Run(t, bin, []string{"FIXIE_CREDS_DIR=" + other}, "", all[1]...)
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.FileExists(t, filepath.Join(other, "bob.json"), "import creates the default directory")
}

// TestCredsctlMistakeGivesAHint: a mistyped command or flag prints its
// message and a one-line hint, not the whole usage.
func TestCredsctlMistakeGivesAHint(t *testing.T) {
	t.Parallel()
	bin := exampletest.Bin(t, "credsctl")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"regster", "alice", "alice@example.org"}, "credsctl: unknown command \"regster\"\n"},
		{[]string{"-nope", "list"}, "flag provided but not defined: -nope\n"},
	} {
		r := exampletest.Run(t, bin, nil, "", tt.args...)
		assert.Equal(t, 2, r.Code, "%q", tt.args)
		assert.Equal(t, tt.want+"run credsctl -h for usage\n", r.Stderr, "%q", tt.args)
		assert.Empty(t, r.Stdout, "%q", tt.args)
	}
}

// TestCredsctlHelpNamesTheChain: the help names every step of the
// default directory's chain, and the directory it gives now.
func TestCredsctlHelpNamesTheChain(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	env := []string{"XDG_DATA_HOME=" + xdg, "FIXIE_CREDS_DIR=", "FIXIE_DATA_DIR="}
	r := exampletest.Run(t, exampletest.Bin(t, "credsctl"), env, "", "help")
	require.Equal(t, 0, r.Code)
	for _, step := range []string{"$FIXIE_CREDS_DIR", "$FIXIE_DATA_DIR/creds", "$XDG_DATA_HOME/fixie/creds", "~/.local/share/fixie/creds"} {
		assert.Contains(t, r.Stdout, step)
	}
	assert.Contains(t, r.Stdout, "(now "+filepath.Join(xdg, "fixie", "creds")+", from $XDG_DATA_HOME)")
}
