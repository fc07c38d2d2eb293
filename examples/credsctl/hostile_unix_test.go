//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileHash is a valid stored hash, for records written by hand.
const hostileHash = "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"

// recordOf returns a record of user with email, as the cache writes one.
func recordOf(user, email string) string {
	return `{"email":` + jsonString(email) + `,"hashed_token":"` + hostileHash + `","user":` + jsonString(user) + `}`
}

// jsonString writes s as a JSON string, escaping what JSON must.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// assertNoHiddenCharacter fails if out holds a control character other
// than a newline, or an invisible or bidi-control character, raw.
func assertNoHiddenCharacter(t *testing.T, out, what string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			t.Errorf("%s holds %U raw:\n%s", what, r, out)
			return
		}
	}
}

// TestCredsctlImportRefusesHostileRecords imports a directory an
// attacker wrote: each bad record is refused with its reason, the good
// ones are copied, the count is exact, and the exit status is 1. No
// output carries a hidden character raw.
func TestCredsctlImportRefusesHostileRecords(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(data), 0o600))
	}
	write("alice.json", recordOf("alice", "alice@example.org"))
	write("zoe.json", recordOf("zoe", "zoe@example.org"))
	write("ze\u200bro.json", recordOf("ze\u200bro", "z@example.org"))
	write("rlo\u202eevil.json", recordOf("rlo\u202eevil", "r@example.org"))
	write("escape.json", recordOf("escape", "e\x1b[31m@example.org"))
	write("bidi.json", recordOf("bidi", "b\u2066@example.org"))
	write("new\nline.json", recordOf("new\nline", "n@example.org"))
	write("big.json", recordOf("big", "big@example.org")+strings.Repeat(" ", 70_000))
	require.NoError(t, os.Symlink(filepath.Join(src, "alice.json"), filepath.Join(src, "link.json")))
	outside := filepath.Join(t.TempDir(), "outside.json")
	require.NoError(t, os.WriteFile(outside, []byte(recordOf("away", "a@example.org")), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(src, "away.json")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(src, "fifo.json"), 0o600))
	write("notes.txt", "not a record")

	dst := credsDir(t)
	r := ctl(t, dst, "", "import", src)
	assert.Equal(t, 1, r.Code, r.Stderr)
	assert.Equal(t, "copied     alice\ncopied     zoe\n", r.Stdout)
	for _, want := range []string{
		`credsctl: not copied: "ze\u200bro": the name holds U+200B, a control, invisible or bidi-control character`,
		`credsctl: not copied: "rlo\u202eevil": the name holds U+202E, a control, invisible or bidi-control character`,
		`credsctl: not copied: "escape": the record's "email" holds U+001B, a control, invisible or bidi-control character`,
		`credsctl: not copied: "bidi": the record's "email" holds U+2066, a control, invisible or bidi-control character`,
		`credsctl: not copied: "new\nline": not a usable user name: it holds a control character`,
		`credsctl: not copied: "big": cache: unusable record for "big": larger than`,
		`credsctl: not copied: "link": a symbolic link: import copies regular files only`,
		`credsctl: not copied: "away": a symbolic link: import copies regular files only`,
		`credsctl: not copied: "fifo": a named pipe (FIFO), not a record file`,
		"2 copied, 0 identical (there already), 9 refused, 0 skipped.\n",
		"credsctl: 9 record(s) not copied: see above\n",
	} {
		assert.Contains(t, r.Stderr, want)
	}
	assert.NotContains(t, r.Stderr, "notes", "a file that is no record is no business of import")
	assertNoHiddenCharacter(t, r.Stdout, "stdout")
	assertNoHiddenCharacter(t, r.Stderr, "stderr")
	entries, err := os.ReadDir(dst)
	require.NoError(t, err)
	var files []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			files = append(files, e.Name())
		}
	}
	assert.Equal(t, []string{"alice.json", "zoe.json"}, files, "exactly what the count says")
}

// TestCredsctlPrintsNoHiddenCharacter shows list and show on records
// that another program wrote with hidden characters in a name and an
// email: both print them escaped.
func TestCredsctlPrintsNoHiddenCharacter(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	issued(t, ctl(t, dir, "", "register", "alice", "alice@example.org"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "al\u202eice.json"), []byte(recordOf("al\u202eice", "a@example.org")), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mallory.json"), []byte(recordOf("mallory", "m\x1b]0;owned\x07@example.org")), 0o600))

	r := ctl(t, dir, "", "list")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "alice\n\"al\\u202eice\"\nmallory\n", r.Stdout)

	r = ctl(t, dir, "", "show", "al\u202eice")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Contains(t, r.Stdout, "user: \"al\\u202eice\"\n")
	assert.Contains(t, r.Stdout, `file: "`+filepath.Join(dir, `al\u202eice.json"`))
	assertNoHiddenCharacter(t, r.Stdout, "show's stdout")

	r = ctl(t, dir, "", "show", "mallory")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Contains(t, r.Stdout, `email: "m\x1b]0;owned\a@example.org"`)
	assertNoHiddenCharacter(t, r.Stdout, "show's stdout")
	assertNoHiddenCharacter(t, r.Stderr, "show's stderr")

	r = ctl(t, dir, "", "verify", "-token", "ff", "al\u202eice")
	assertNoHiddenCharacter(t, r.Stdout+r.Stderr, "verify's output")
}
