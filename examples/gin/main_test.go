package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
	"github.com/fixiecreds/fixiecreds/middleware"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(exampletest.Main(m, "gin"))
}

func TestGinForwardAuth(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "gin"), nil, "-addr", "127.0.0.1:0", "-dir", dir)
	exampletest.CheckForwardAuth(t, exampletest.NewClient(t, base), "alice", "alice@example.org")
}

func TestGinProtectsHello(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "gin"), nil, "-addr", "127.0.0.1:0", "-dir", dir, "-log-level", "debug")
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
	code, _, _ = c.Get("/hello", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": token, "X_Fixie_User": "bob"})
	assert.Equal(t, http.StatusUnauthorized, code, "look-alike user header")

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
	assert.NotContains(t, p.Output(), "GIN-debug", "gin runs in release mode")
}

// TestGinOperations: the gin server has the same /readyz and, with
// -metrics-addr, counts its middleware's decisions at /metrics there.
func TestGinOperations(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	p, base := exampletest.StartServer(t, exampletest.Bin(t, "gin"), nil, "-addr", "127.0.0.1:0", "-dir", dir, "-metrics-addr", "127.0.0.1:0")
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

// TestAuth: the adapter answers each outcome as middleware.Auth does, and
// only an accepted request reaches the group's handlers, without its token.
func TestAuth(t *testing.T) {
	t.Parallel()
	down := errors.New("store unreachable")
	v := middleware.VerifierFunc(func(_ context.Context, user, token string) (bool, error) {
		if user == "carol" {
			return false, down
		}
		return user == "alice" && token == "00ff", nil
	})
	chk, err := middleware.NewChecker(v, middleware.Config{})
	require.NoError(t, err)
	var got []middleware.Outcome
	r := gin.New()
	r.Group("/", auth(chk, func(_ *http.Request, o middleware.Outcome) { got = append(got, o) })).GET("/hello", func(c *gin.Context) {
		user, _ := middleware.UserFromContext(c.Request.Context())
		c.String(http.StatusOK, "%s %q", user, c.GetHeader("X-Fixie-Token"))
	})

	tests := []struct {
		name      string
		header    map[string]string
		code      int
		body      string
		challenge bool
		result    middleware.Result
	}{
		{"accepted", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "00ff"}, http.StatusOK, `alice ""`, false, middleware.Accepted},
		{"missing", nil, http.StatusUnauthorized, `{"message":"Unauthorized"}`, true, middleware.Missing},
		{"wrong", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "ff00"}, http.StatusUnauthorized, `{"message":"Unauthorized"}`, true, middleware.Rejected},
		{"look-alike", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "00ff", "X_Fixie_Token": "ff"}, http.StatusUnauthorized, `{"message":"Unauthorized"}`, true, middleware.Rejected},
		{"failed", map[string]string{"X-Fixie-User": "carol", "X-Fixie-Token": "00ff"}, http.StatusInternalServerError, `{"message":"Credentials could not be verified"}`, false, middleware.Failed},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/hello", nil)
		for k, v := range tt.header {
			req.Header[k] = []string{v}
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		assert.Equal(t, tt.code, w.Code, tt.name)
		assert.Equal(t, tt.body, w.Body.String(), tt.name)
		if tt.challenge {
			assert.Equal(t, `Fixie realm="fixie"`, w.Header().Get("WWW-Authenticate"), tt.name)
		} else {
			assert.Empty(t, w.Header().Get("WWW-Authenticate"), tt.name)
		}
		require.NotEmpty(t, got, tt.name)
		assert.Equal(t, tt.result, got[len(got)-1].Result, tt.name)
		assert.Positive(t, got[len(got)-1].Elapsed, "%s: a hook gets the time the decision took", tt.name)
	}
}
