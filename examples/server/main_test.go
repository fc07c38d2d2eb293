package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

func TestMain(m *testing.M) {
	if os.Getenv(bareAuthEnv) == "1" {
		serveBareAuth()
		return
	}
	os.Exit(exampletest.Main(m, "server"))
}

// start runs the server on a free port and a new credentials directory.
func start(t *testing.T, args ...string) (*exampletest.Proc, *exampletest.Client, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "creds")
	args = append([]string{"-addr", "127.0.0.1:0", "-dir", dir}, args...)
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "server"), nil, args...)
	return p, exampletest.NewClient(t, base), dir
}

func TestServerProtectsHello(t *testing.T) {
	t.Parallel()
	p, c, dir := start(t, "-log-level", "debug")
	p.WaitLog(t, regexp.MustCompile(`dir=`+regexp.QuoteMeta(dir)+` watching=true`))

	code, _, body := c.Get("/", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "/creds/register")
	code, _, body = c.Get("/healthz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)

	code, header, body := c.Get("/hello", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, `Fixie realm="fixie"`, header.Get("WWW-Authenticate"))
	assert.JSONEq(t, `{"message":"Unauthorized"}`, body)

	token := c.Register("alice", "alice@example.org")
	code, body = c.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, alice!\n", body)

	code, _ = c.Hello("alice", "00ff")
	assert.Equal(t, http.StatusUnauthorized, code, "wrong token")
	code, _ = c.Hello("bob", token)
	assert.Equal(t, http.StatusUnauthorized, code, "unknown user")

	newToken := c.Reset("alice", "alice@example.org")
	code, _ = c.Hello("alice", token)
	assert.Equal(t, http.StatusUnauthorized, code, "old token after reset")
	code, body = c.Hello("alice", newToken)
	assert.Equal(t, http.StatusOK, code, "new token after reset")
	assert.Equal(t, "Hello, alice!\n", body)

	p.WaitLog(t, regexp.MustCompile(`level=DEBUG msg=auth path=/hello result=accepted user=alice`))
	p.WaitLog(t, regexp.MustCompile(`level=INFO msg=auth path=/hello result=rejected user=bob reason=`))
	assert.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	assert.NotContains(t, p.Output(), token)
	assert.NotContains(t, p.Output(), newToken)
}

func TestServerForwardAuth(t *testing.T) {
	t.Parallel()
	_, c, _ := start(t)
	exampletest.CheckForwardAuth(t, c, "alice", "alice@example.org")
}

func TestServerService(t *testing.T) {
	t.Parallel()
	_, c, _ := start(t)
	token := c.Register("alice", "alice@example.org")

	tests := []struct {
		name   string
		path   string
		fields map[string]string
		want   map[string]any
	}{
		{"register taken", "/creds/register", map[string]string{"user": "alice", "email": "alice@example.org"},
			map[string]any{"message": "User 'alice' already registered", "status": false, "token": "<not-a-token>"}},
		{"verify", "/creds/verify", map[string]string{"user": "alice", "token": token},
			map[string]any{"message": "User verified", "status": true, "verified": true}},
		{"verify wrong token", "/creds/verify", map[string]string{"user": "alice", "token": "00ff"},
			map[string]any{"message": "Invalid token for user alice", "status": true, "verified": false}},
		{"reset other email", "/creds/reset", map[string]string{"user": "alice", "email": "eve@example.org"},
			map[string]any{"message": "User email does not match registered email address", "status": false, "token": "<not-a-token>"}},
		{"deregister", "/creds/deregister", map[string]string{"user": "alice", "token": token},
			map[string]any{"message": "alice deregistered", "status": true}},
		{"verify deregistered", "/creds/verify", map[string]string{"user": "alice", "token": token},
			map[string]any{"message": "User 'alice' not registered", "status": false, "verified": false}},
	}
	for _, tt := range tests { // in order: each step depends on the ones before
		code, got := c.Post(tt.path, tt.fields)
		assert.Equal(t, http.StatusOK, code, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestServerStopsCleanly(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p, _, _ := start(t)
			require.Equal(t, 0, p.Stop(t, sig))
			assert.Regexp(t, `msg="shutting down"(.|\n)*msg=stopped`, p.Output())
		})
	}
}

func TestServerDefaultDirAndWatchOff(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "from-env")
	env := []string{"FIXIE_CREDS_DIR=" + dir}
	p, _ := exampletest.StartServer(t, exampletest.Bin(t, "server"), env, "-addr", "127.0.0.1:0", "-watch=false")
	p.WaitLog(t, regexp.MustCompile(`dir=`+regexp.QuoteMeta(dir)+` watching=false`))
	assert.DirExists(t, dir)
}

func TestServerStartFailures(t *testing.T) {
	t.Parallel()
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{"extra argument", []string{"-dir", t.TempDir(), "extra"}, 2, `unexpected argument "extra"`},
		{"help", []string{"-h"}, 0, "-watch"},
		{"help names the port", []string{"-h"}, 0, `-addr host:port
    	listen on host:port; port 0 picks a free port (default "127.0.0.1:8080")`},
		{"directory is a file", []string{"-dir", notADir, "-addr", "127.0.0.1:0"}, 1, "msg=\"server failed\""},
		{"bad address", []string{"-dir", t.TempDir(), "-addr", "127.0.0.1:http-nope"}, 1, "msg=\"server failed\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := exampletest.Run(t, exampletest.Bin(t, "server"), nil, "", tt.args...)
			assert.Equal(t, tt.code, r.Code)
			assert.Contains(t, r.Stderr, tt.want)
		})
	}
}

// TestServerOperations: /readyz answers next to the liveness /healthz,
// -metrics-addr serves /metrics on a listener of its own and nowhere
// else, and a server on a new directory warns that it is empty, naming
// it.
func TestServerOperations(t *testing.T) {
	t.Parallel()
	p, c, dir := start(t, "-metrics-addr", "127.0.0.1:0")
	p.WaitLog(t, regexp.MustCompile(`level=WARN msg="created a new, empty credentials directory.*dir=`+regexp.QuoteMeta(dir)))
	metricsAddr := p.WaitLog(t, regexp.MustCompile(`msg="serving metrics" addr=(\S+)`))[1]
	code, _, body := c.Get("/readyz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready\n", body)

	token := c.Register("alice", "alice@example.org")
	code, _ = c.Hello("alice", `"`+token+`"`)
	assert.Equal(t, http.StatusUnauthorized, code)
	p.WaitLog(t, regexp.MustCompile(`result=rejected user=alice reason="cache: malformed token"`))
	code, _, _ = c.Get("/metrics", nil)
	assert.Equal(t, http.StatusNotFound, code, "no /metrics on the public listener")
	code, _, body = exampletest.NewClient(t, "http://"+metricsAddr).Get("/metrics", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `fixiecreds_auth_requests_total{reason="malformed_token",result="rejected"} 1`)
	assert.Contains(t, body, `fixiecreds_service_requests_total{op="register",result="ok"} 1`)
	assert.Contains(t, body, "fixiecreds_cache_loads_total")
	assert.NotContains(t, body, token)
}

// TestServerWithoutMetrics: by default no listener serves metrics.
func TestServerWithoutMetrics(t *testing.T) {
	t.Parallel()
	p, c, _ := start(t)
	code, _, _ := c.Get("/metrics", nil)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	assert.NotContains(t, p.Output(), "serving metrics")
}
