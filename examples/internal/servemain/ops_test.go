package servemain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// get serves GET path through h and returns the status and body.
func get(h http.Handler, path string, header map[string]string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// waitStatus gets path until it answers want, failing after a deadline.
func waitStatus(t *testing.T, h http.Handler, path string, want int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(h, path, nil)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q, want %d", path, code, body, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// app is an example's routes, as small as can be: a protected /hello.
func app(env Env) http.Handler {
	mux := http.NewServeMux()
	auth := middleware.AuthWithConfig(env.Creds, middleware.Config{OnOutcome: env.Observe})
	mux.Handle("GET /hello", auth(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello\n")
	})))
	return mux
}

// TestReadyz: the readiness check fails while the credentials directory
// cannot be read and passes again once it is back. It tells anyone only
// "ready" or "not ready"; the reason goes to the log, once.
func TestReadyz(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	creds, err := cache.New(dir, cache.WithPollInterval(20*time.Millisecond), cache.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	var logs syncBuffer
	h := (&ops{}).handler(Env{Creds: creds, Log: slog.New(slog.NewTextHandler(&logs, nil))}, app)

	code, body := get(h, "/readyz", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready\n", body)

	require.NoError(t, os.Rename(dir, dir+".away"))
	body = waitStatus(t, h, "/readyz", http.StatusServiceUnavailable)
	assert.Equal(t, "not ready\n", body, "no path, no OS error, no key")
	for range 5 {
		get(h, "/readyz", nil)
	}
	require.NoError(t, os.Rename(dir+".away", dir))
	waitStatus(t, h, "/readyz", http.StatusOK)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, `level=WARN msg="not ready" reason="cache: store cannot be read`), out)
	assert.Contains(t, out, dir, "the reason, in the log")
	assert.Equal(t, 1, strings.Count(out, `level=INFO msg="ready again"`), out)

	code, _ = get(h, "/metrics", nil)
	assert.Equal(t, http.StatusNotFound, code, "no /metrics on the server's own listener")
}

// TestMetrics: /metrics, on its own handler, has the cache's counters,
// every decision of the example's middleware by result and reason, the
// service's requests by outcome, its 429s by limit, and the users.
func TestMetrics(t *testing.T) {
	t.Parallel()
	creds, err := cache.New(t.TempDir(), cache.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	token, err := creds.Register("alice", "alice@example.org")
	require.NoError(t, err)
	m := newOpsMetrics(creds)
	o, err := parseLimits(t, "-reset-user-limit", "1/1h")
	require.NoError(t, err)
	env, closeEnv, err := newEnv(creds, slog.New(slog.DiscardHandler), o, serviceHooks{outcome: m.serviceHook()})
	require.NoError(t, err)
	t.Cleanup(closeEnv)
	env.Observe = m.authHook()
	h := (&ops{}).handler(env, func(env Env) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/creds/", http.StripPrefix("/creds", env.Service))
		mux.Handle("/", app(env))
		return mux
	})

	code, _ := get(h, "/hello", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": token})
	require.Equal(t, http.StatusOK, code)
	code, _ = get(h, "/hello", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "0x" + token})
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = get(h, "/hello", nil)
	require.Equal(t, http.StatusUnauthorized, code)
	for _, body := range []string{`{"user":"bob","email":"bob@example.org"}`, `{"user":"alice","email":"alice@example.org"}`} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/creds/register", strings.NewReader(body)))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/creds/reset", strings.NewReader(`{"user":"alice","email":"eve@example.org"}`)))
	}

	code, body := get(m.handler(slog.New(slog.DiscardHandler)), "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	// Reads of the store: one for alice, and another each time the trust
	// window lapsed between two requests, as on a busy machine.
	loads := creds.Stats().Loads
	require.NotZero(t, loads)
	for _, want := range []string{
		`fixiecreds_auth_requests_total{reason="",result="accepted"} 1`,
		`fixiecreds_auth_requests_total{reason="malformed_token",result="rejected"} 1`,
		`fixiecreds_auth_requests_total{reason="missing_credentials",result="missing"} 1`,
		`fixiecreds_auth_decision_seconds_count{result="accepted"} 1`,
		`fixiecreds_service_requests_total{op="register",result="ok"} 1`,
		`fixiecreds_service_requests_total{op="register",result="already_registered"} 1`,
		`fixiecreds_service_requests_total{op="reset",result="email_mismatch"} 1`,
		`fixiecreds_service_requests_total{op="reset",result="limited"} 1`,
		`fixiecreds_service_limited_total{limit="reset_user"} 1`,
		`fixiecreds_users 2`,
		fmt.Sprintf("fixiecreds_cache_loads_total %d\n", loads),
		`fixiecreds_cache_feed_reporting 1`,
		`go_goroutines `,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, token)
}

func TestBoth(t *testing.T) {
	t.Parallel()
	assert.Nil(t, Both(nil, nil))
	var calls []string
	hook := func(name string) func(*http.Request, middleware.Outcome) {
		return func(*http.Request, middleware.Outcome) { calls = append(calls, name) }
	}
	Both(nil, hook("a"))(nil, middleware.Outcome{})
	Both(hook("b"), nil, hook("c"))(nil, middleware.Outcome{})
	assert.Equal(t, []string{"a", "b", "c"}, calls)
}

// syncBuffer is a log destination for tests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestOpenCredsWarnsOfAnEmptyDirectory: a server on a new or empty
// directory says so, naming it, since it will answer 401 to everyone; a
// directory with a user gets no warning.
func TestOpenCredsWarnsOfAnEmptyDirectory(t *testing.T) {
	t.Parallel()
	withUser := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(withUser, "alice.json"), nil, 0o600))
	dotsOnly := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dotsOnly, ".fixiecreds-lock"), nil, 0o600))
	tests := []struct {
		name string
		dir  string
		want string // in the warning; "" for none
	}{
		{"new", filepath.Join(t.TempDir(), "typo"), "created a new, empty credentials directory"},
		{"empty", t.TempDir(), "the credentials directory holds no user"},
		{"only dot files", dotsOnly, "the credentials directory holds no user"},
		{"a user", withUser, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			creds, err := openCreds(slog.New(slog.NewTextHandler(&logs, nil)), tt.dir, cache.WithWatch(false))
			require.NoError(t, err)
			t.Cleanup(func() { creds.Close() })
			if tt.want == "" {
				assert.NotContains(t, logs.String(), "level=WARN msg=\"created")
				assert.NotContains(t, logs.String(), "holds no user")
				return
			}
			assert.Contains(t, logs.String(), "level=WARN msg=\""+tt.want)
			assert.Contains(t, logs.String(), "dir="+tt.dir+" from=-dir")
		})
	}
}

// TestHelpNamesTheDirectoryChain: -h prints every step of the default
// directory's chain and the directory it gives now, the -metrics-addr
// flag, which alone turns metrics on, and the program's own default
// address.
func TestHelpNamesTheDirectoryChain(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), "server", "127.0.0.1:8099", []string{"-h"}, &out, &Dir{}, app))
	help := strings.Join(strings.Fields(out.String()), " ")
	assert.Contains(t, help, "-addr host:port listen on host:port; port 0 picks a free port (default \"127.0.0.1:8099\")")
	assert.Contains(t, help, credsdir.Chain)
	dir, from, err := credsdir.Default()
	require.NoError(t, err)
	assert.Contains(t, help, "now "+dir+", from "+from)
	assert.Contains(t, help, "-metrics-addr host:port")
	assert.NotRegexp(t, `-metrics\b[^-]`, help)
}

// TestHelpNamesEachDefaultOnce: no flag's help says its default twice,
// once in its text and once as the flag package appends it.
func TestHelpNamesEachDefaultOnce(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), "server", "127.0.0.1:8080", []string{"-h"}, &out, &Dir{}, app))
	entries := strings.Split(out.String(), "\n  -")
	assert.Greater(t, len(entries), 10)
	for _, e := range entries[1:] {
		assert.LessOrEqual(t, strings.Count(e, "(default"), 1, "-%s", e)
	}
}
