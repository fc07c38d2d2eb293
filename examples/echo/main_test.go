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

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "echo")) }

func TestEchoProtectsHello(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "echo"), nil, "-addr", "127.0.0.1:0", "-dir", dir, "-log-level", "debug")
	p.WaitLog(t, regexp.MustCompile(`dir=`+regexp.QuoteMeta(dir)+` watching=true`))
	c := exampletest.NewClient(t, base)

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

	newToken := c.Reset("alice", "alice@example.org")
	code, _ = c.Hello("alice", token)
	assert.Equal(t, http.StatusUnauthorized, code, "old token after reset")
	code, _ = c.Hello("alice", newToken)
	assert.Equal(t, http.StatusOK, code, "new token after reset")

	code, answer := c.Post("/creds/deregister", map[string]string{"user": "alice", "token": newToken})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]any{"message": "alice deregistered", "status": true}, answer)
	code, _ = c.Hello("alice", newToken)
	assert.Equal(t, http.StatusUnauthorized, code, "after deregister")

	// Its decisions go to the log as examples/server's do.
	p.WaitLog(t, regexp.MustCompile(`level=DEBUG msg=auth path=/hello result=accepted user=alice\n`))
	p.WaitLog(t, regexp.MustCompile(`level=INFO msg=auth path=/hello result=rejected user=alice reason="cache: invalid token"\n`))
	p.WaitLog(t, regexp.MustCompile(`level=INFO msg=auth path=/hello result=missing user="" reason="middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header"\n`))

	require.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	assert.Regexp(t, `msg="shutting down"(.|\n)*msg=stopped`, p.Output())
	assert.NotContains(t, p.Output(), token)
	assert.NotContains(t, p.Output(), newToken)
}

func TestEchoForwardAuth(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "echo"), nil, "-addr", "127.0.0.1:0", "-dir", dir)
	exampletest.CheckForwardAuth(t, exampletest.NewClient(t, base), "alice", "alice@example.org")
}

func TestEchoStartFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{"bad address", []string{"-dir", t.TempDir(), "-addr", "127.0.0.1:http-nope"}, 1, "msg=\"server failed\""},
		{"help names the port", []string{"-h"}, 0, `(default "127.0.0.1:8081")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := exampletest.Run(t, exampletest.Bin(t, "echo"), nil, "", tt.args...)
			assert.Equal(t, tt.code, r.Code)
			assert.Contains(t, r.Stderr, tt.want)
		})
	}
}

// TestEchoOperations: the Echo server has the same /readyz and, with
// -metrics-addr, counts its middleware's decisions at /metrics there.
func TestEchoOperations(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "echo"), nil, "-addr", "127.0.0.1:0", "-dir", dir, "-metrics-addr", "127.0.0.1:0")
	metricsAddr := p.WaitLog(t, regexp.MustCompile(`msg="serving metrics" addr=(\S+)`))[1]
	c := exampletest.NewClient(t, base)
	code, _, body := c.Get("/readyz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready\n", body)
	token := c.Register("alice", "alice@example.org")
	code, _ = c.Hello("alice", token)
	require.Equal(t, http.StatusOK, code)
	code, _, _ = c.Get("/metrics", nil)
	assert.Equal(t, http.StatusNotFound, code, "no /metrics on the public listener")
	code, _, body = exampletest.NewClient(t, "http://"+metricsAddr).Get("/metrics", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `fixiecreds_auth_requests_total{reason="",result="accepted"} 1`)
}
