package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// expiringRecords registers, in a new directory, a user whose token
// expires, one in the middle of a rotation and one as the Python service
// has them, and returns the directory.
func expiringRecords(t *testing.T) string {
	t.Helper()
	dir := credsDir(t)
	creds, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	defer creds.Close()
	_, err = creds.Register("month", "month@example.org", cache.ExpiresAfter(720*time.Hour))
	require.NoError(t, err)
	_, err = creds.Register("ci", "ci@example.org")
	require.NoError(t, err)
	_, err = creds.Reset("ci", "ci@example.org", cache.KeepPrevious(24*time.Hour), cache.ExpiresAfter(720*time.Hour))
	require.NoError(t, err)
	_, err = creds.Register("plain", "plain@example.org")
	require.NoError(t, err)
	return dir
}

// Import and export copy records with an expiry or a kept token byte for
// byte, between directories and through etcd, so that no copy turns an
// expiring token into a permanent one.
func TestCredsctlCopiesExpiryExactly(t *testing.T) {
	t.Parallel()
	src := expiringRecords(t)
	files := readDir(t, src)
	require.Contains(t, files["month.json"], `"expires":"`)
	require.Contains(t, files["ci.json"], `"previous_hashed_token":"`)
	require.Contains(t, files["ci.json"], `"previous_expires":"`)

	dst := credsDir(t)
	r := ctl(t, dst, "", "import", src)
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "copied     ci\ncopied     month\ncopied     plain\n", r.Stdout)
	assert.Equal(t, files, readDir(t, dst), "between directories")

	e := newEtcd(t)
	r = e.ctl(t, "", "import", src)
	require.Equal(t, 0, r.Code, r.Stderr)
	store := e.store(t)
	for _, u := range []string{"ci", "month", "plain"} {
		assert.Equal(t, files[u+".json"], string(record(t, store, u)), "%s on etcd", u)
	}
	out := filepath.Join(t.TempDir(), "exported")
	r = e.ctl(t, "", "export", out)
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, files, readDir(t, out), "back out of etcd")
}

// A record whose expiry cannot be read is not copied: the cache could not
// use it.
func TestCredsctlImportRefusesBadExpiry(t *testing.T) {
	t.Parallel()
	src := credsDir(t)
	issued(t, ctl(t, src, "", "register", "alice", "alice@example.org"))
	hash := `"hashed_token":"eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"`
	require.NoError(t, writeFile(filepath.Join(src, "bob.json"), []byte(`{"email":"b@example.org","expires":"next Tuesday",`+hash+`,"user":"bob"}`)))
	require.NoError(t, writeFile(filepath.Join(src, "carol.json"), []byte(`{"email":"c@example.org",`+hash+`,"previous_hashed_token":"ff","user":"carol"}`)))

	dst := credsDir(t)
	r := ctl(t, dst, "", "import", src)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "copied     alice\n", r.Stdout)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "bob": cache: unusable record for "bob": expires: not an RFC 3339 time`)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "carol": cache: unusable record for "carol": previous_hashed_token and previous_expires go together`)
	assert.NotContains(t, readDir(t, dst), "bob.json")
}

// register -expires, reset -keep-previous and -expires, and what list,
// show and verify say of the expiries.
func TestCredsctlExpiry(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	r := ctl(t, dir, "", "register", "-expires", "720h", "alice", "alice@example.org")
	first := issued(t, r)
	creds, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	u, err := creds.LoadUser("alice")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(720*time.Hour), u.Expires, time.Minute)
	month := u.Expires.Format(time.RFC3339)
	assert.Contains(t, r.Stderr, "Registered alice <alice@example.org>. The token expires "+month+".")
	issued(t, ctl(t, dir, "", "register", "bob", "bob@example.org"))

	r = ctl(t, dir, "", "list")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "alice\texpires "+month+"\nbob\n", r.Stdout)

	r = ctl(t, dir, "", "reset", "alice", "alice@example.org", "-keep-previous", "24h", "-expires", "720h")
	second := issued(t, r)
	u, err = creds.LoadUser("alice")
	require.NoError(t, err)
	day := u.PreviousExpires.Format(time.RFC3339)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), u.PreviousExpires, time.Minute)
	assert.Contains(t, r.Stderr, "New token for alice; the old one works until "+day+". The new one expires "+u.Expires.Format(time.RFC3339)+".")
	for _, tok := range []string{first, second} {
		r = ctl(t, dir, tok, "verify", "alice")
		assert.Equal(t, 0, r.Code, "both tokens during the grace: %s", r.Stderr)
	}
	r = ctl(t, dir, "", "list")
	assert.Equal(t, "alice\texpires "+u.Expires.Format(time.RFC3339)+"; previous token until "+day+"\nbob\n", r.Stdout)
	r = ctl(t, dir, "", "show", "alice")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "user: alice\nemail: alice@example.org\n"+
		"hashed_token (SHA-256, not a token): "+u.HashedToken+"\n"+
		"expires: "+u.Expires.Format(time.RFC3339)+"\n"+
		"previous_hashed_token (SHA-256, not a token): "+u.PreviousHashedToken+"\n"+
		"previous_expires: "+day+"\n"+
		"file: "+filepath.Join(dir, "alice.json")+"\n", r.Stdout)

	// A plain reset ends both.
	third := issued(t, ctl(t, dir, "", "reset", "alice", "alice@example.org"))
	for _, tok := range []string{first, second} {
		r = ctl(t, dir, tok, "verify", "alice")
		assert.Equal(t, 1, r.Code)
		assert.Equal(t, "credsctl: token refused for \"alice\"\n", r.Stderr)
	}
	r = ctl(t, dir, third, "verify", "alice")
	assert.Equal(t, 0, r.Code)

	// A token whose time is over.
	hash, err := creds.HashToken(third)
	require.NoError(t, err)
	past := "2026-01-01T00:00:00Z"
	require.NoError(t, writeFile(filepath.Join(dir, "alice.json"),
		[]byte(`{"email":"alice@example.org","expires":"`+past+`","hashed_token":"`+hash+`","user":"alice"}`)))
	r = ctl(t, dir, third, "verify", "alice")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "credsctl: token refused for \"alice\": it has expired; reset issues a new one\n", r.Stderr)
	r = ctl(t, dir, "", "list")
	assert.Equal(t, "alice\texpired "+past+"\nbob\n", r.Stdout)
	r = ctl(t, dir, "", "show", "alice")
	assert.Contains(t, r.Stdout, "expires: "+past+" (expired)\n")

	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"register", "-expires", "500ms", "carol", "c@example.org"}, "credsctl: -expires 500ms: want at least 1s"},
		{[]string{"reset", "-keep-previous", "0s", "bob", "bob@example.org"}, "credsctl: -keep-previous 0s: want at least 1s"},
		{[]string{"register", "-keep-previous", "24h", "carol", "c@example.org"}, "flag provided but not defined: -keep-previous"},
		{[]string{"register", "-expires", "soon", "carol", "c@example.org"}, `invalid value "soon" for flag -expires`},
	} {
		r = ctl(t, dir, "", tc.args...)
		assert.Equal(t, 2, r.Code, "%q", tc.args)
		assert.Contains(t, r.Stderr, tc.stderr)
		assert.Empty(t, r.Stdout)
	}
	_, err = creds.LoadUser("carol")
	assert.ErrorIs(t, err, cache.ErrNotRegistered)
}

// Each register, reset and deregister leaves one line in -audit-log,
// accepted or refused; reads leave none; no line holds a token or a hash.
func TestCredsctlAuditLog(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	trail := filepath.Join(t.TempDir(), "audit.log")
	var secrets []string
	run := func(code int, args ...string) exampletest.Result {
		t.Helper()
		r := ctl(t, dir, "", append([]string{"-audit-log", trail}, args...)...)
		require.Equal(t, code, r.Code, "%q: %s", args, r.Stderr)
		if code == 0 && exampletest.TokenPattern.MatchString(strings.TrimSpace(r.Stdout)) {
			secrets = append(secrets, strings.TrimSpace(r.Stdout))
		}
		return r
	}
	run(0, "register", "-expires", "720h", "alice", "alice@example.org")
	run(1, "register", "alice", "alice@example.org")
	run(2, "register", "bad name", "b@example.org")
	run(0, "reset", "alice", "alice@example.org", "-keep-previous", "24h")
	run(1, "reset", "alice", "eve@example.org")
	run(1, "reset", "bob", "bob@example.org")
	run(0, "list")
	run(0, "show", "alice")
	r := ctl(t, dir, secrets[0], "-audit-log", trail, "verify", "alice")
	require.Equal(t, 0, r.Code, r.Stderr)
	run(0, "deregister", "alice")
	run(1, "deregister", "alice")

	data, err := os.ReadFile(trail)
	require.NoError(t, err)
	var got []string
	var lines []map[string]string
	for line := range strings.Lines(string(data)) {
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &m), "%q", line)
		lines = append(lines, m)
		got = append(got, m["operation"]+" "+m["user"]+" "+m["outcome"])
		assert.NotContains(t, m, "client", "credsctl has no client address")
	}
	assert.Equal(t, []string{
		"register alice ok",
		"register alice already_registered",
		"register bad name invalid_user",
		"reset alice ok",
		"reset alice email_mismatch",
		"reset bob not_registered",
		"remove alice ok",
		"remove alice not_registered",
	}, got)
	assert.NotEmpty(t, lines[0]["expires"])
	assert.NotEmpty(t, lines[3]["previous_expires"])
	creds, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	for _, tok := range secrets {
		hash, err := creds.HashToken(tok)
		require.NoError(t, err)
		assert.NotContains(t, string(data), tok)
		assert.NotContains(t, string(data), hash)
	}

	// A line that cannot be written: the command fails, and prints no token.
	r = ctl(t, dir, "", "-audit-log", "/dev/full", "register", "carol", "carol@example.org")
	assert.Equal(t, 3, r.Code)
	assert.Empty(t, r.Stdout)
	assert.Contains(t, r.Stderr, `credsctl: register "carol" could not complete: audit log: write /dev/full: no space left on device; the change was made, but is not in the audit log`)
}
