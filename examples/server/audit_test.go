package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// auditLines returns the audit trail's lines, each decoded.
func auditLines(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var lines []map[string]string
	for line := range strings.Lines(string(data)) {
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &m), "%q", line)
		lines = append(lines, m)
	}
	return lines
}

// TestServerAuditLog: each register, reset and deregister through
// /creds/ appends one line, accepted or refused; malformed requests, 413s
// and 429s none; no line holds a token or a hash; the trail survives a
// restart.
func TestServerAuditLog(t *testing.T) {
	t.Parallel()
	trail := filepath.Join(t.TempDir(), "audit.log")
	p, c, dir := start(t, "-audit-log", trail, "-register-limit", "4/1h")
	p.WaitLog(t, regexp.MustCompile(`msg="audit trail" file=`+regexp.QuoteMeta(trail)))
	var secrets []string
	keep := func(answer string) string {
		t.Helper()
		var a struct{ Token string }
		require.NoError(t, json.Unmarshal([]byte(answer), &a), answer)
		require.Regexp(t, exampletest.TokenPattern, a.Token, answer)
		secrets = append(secrets, a.Token)
		return a.Token
	}
	post := func(path, body string) (int, string) {
		t.Helper()
		code, _, answer := c.PostRaw(path, body)
		return code, answer
	}

	code, answer := post("/creds/register", `{"user":"alice","email":"alice@example.org","expires_in":2592000}`)
	require.Equal(t, http.StatusOK, code, answer)
	first := keep(answer)
	code, _ = post("/creds/register", `{"user":"alice","email":"alice@example.org"}`)
	assert.Equal(t, http.StatusOK, code)
	code, answer = post("/creds/reset", `{"user":"alice","email":"alice@example.org","keep_previous":86400}`)
	require.Equal(t, http.StatusOK, code, answer)
	second := keep(answer)
	post("/creds/reset", `{"user":"alice","email":"eve@example.org"}`)
	post("/creds/deregister", `{"user":"alice","token":"`+first+`"}`)
	code, answer = post("/creds/deregister", `{"user":"alice","token":"`+second+`"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"message":"alice deregistered","status":true}`, answer)

	// None of these reaches an operation.
	for _, r := range []struct {
		path, body string
		code       int
	}{
		{"/creds/register", `{"user":"bob"`, http.StatusBadRequest},
		{"/creds/register", `{"user":"bob","email":"b@example.org","role":"admin"}`, http.StatusBadRequest},
		{"/creds/reset", `{"user":"bob","email":"b@example.org","keep_previous":-1}`, http.StatusBadRequest},
		{"/creds/deregister", `{"user":"bob","token":"0x1f"}`, http.StatusBadRequest},
		{"/creds/deregister", `{"user":"bob","token":"` + strings.Repeat("f", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{"/creds/register", `{"user":"bob","email":"b@example.org"}`, http.StatusTooManyRequests}, // the 5th of 4
		{"/creds/verify", `{"user":"alice","token":"ff"}`, http.StatusOK},
	} {
		code, answer := post(r.path, r.body)
		assert.Equal(t, r.code, code, "%s %.80s: %s", r.path, r.body, answer)
	}

	lines := auditLines(t, trail)
	var got []string
	for _, l := range lines {
		got = append(got, l["operation"]+" "+l["user"]+" "+l["outcome"])
		assert.Equal(t, "127.0.0.1", l["client"])
		stamp, err := time.Parse(time.RFC3339, l["time"])
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), stamp, time.Minute)
	}
	assert.Equal(t, []string{
		"register alice ok",
		"register alice already_registered",
		"reset alice ok",
		"reset alice email_mismatch",
		"deregister alice invalid_token",
		"deregister alice ok",
	}, got)
	expires, err := time.Parse(time.RFC3339, lines[0]["expires"])
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), expires, time.Minute)
	assert.NotEmpty(t, lines[2]["previous_expires"])
	assert.Empty(t, lines[2]["expires"], "the new token does not expire")

	creds, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	data, err := os.ReadFile(trail)
	require.NoError(t, err)
	for _, tok := range secrets {
		hash, err := creds.HashToken(tok)
		require.NoError(t, err)
		assert.NotContains(t, string(data), tok)
		assert.NotContains(t, string(data), hash)
	}
	fi, err := os.Stat(trail)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// A restart appends to the trail.
	assert.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	args := []string{"-addr", "127.0.0.1:0", "-dir", dir, "-audit-log", trail}
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "server"), nil, args...)
	exampletest.NewClient(t, base).Register("bob", "bob@example.org")
	lines = auditLines(t, trail)
	require.Len(t, lines, 7)
	assert.Equal(t, "register", lines[6]["operation"])
	assert.Equal(t, "bob", lines[6]["user"])
}

// TestServerAuditLogFailure: a line that cannot be written makes the
// answer a 500, logged at ERROR.
func TestServerAuditLogFailure(t *testing.T) {
	t.Parallel()
	p, c, _ := start(t, "-audit-log", "/dev/full")
	code, _, answer := c.PostRaw("/creds/register", `{"user":"alice","email":"alice@example.org"}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, `{"message":"Register could not complete"}`, answer)
	p.WaitLog(t, regexp.MustCompile(`level=ERROR msg="httpapi: Register could not complete" user=alice err="httpapi: audit trail: audit log: write /dev/full: no space left on device"`))
	code, _, _ = c.PostRaw("/creds/verify", `{"user":"alice","token":"ff"}`)
	assert.Equal(t, http.StatusOK, code, "verify writes no line")
}

// TestServerAuditLogUnwritable: a trail that cannot be opened stops the
// server at start.
func TestServerAuditLogUnwritable(t *testing.T) {
	t.Parallel()
	trail := filepath.Join(t.TempDir(), "missing", "audit.log")
	p := exampletest.Start(t, exampletest.Bin(t, "server"), nil, "-addr", "127.0.0.1:0", "-dir", filepath.Join(t.TempDir(), "creds"), "-audit-log", trail)
	assert.Equal(t, 1, p.Wait(t))
	assert.Contains(t, p.Output(), "audit log: open "+trail)
}
