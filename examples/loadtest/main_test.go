package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// testConfig is a short run: enough changes, settled, for every kind of
// wrong answer to show, in a few seconds.
func testConfig() Config {
	return Config{
		Clients:  4,
		Users:    10,
		Duration: 1500 * time.Millisecond,
		Churn:    40,
		Settle:   100 * time.Millisecond,
	}
}

// testRun runs cfg, failing the test if it cannot run, and returns the
// report and the output.
func testRun(t *testing.T, cfg Config) (*Report, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep, err := run(ctx, cfg, &out)
	require.NoError(t, err, out.String())
	t.Log("\n" + out.String())
	assert.NotRegexp(t, `[0-9a-f]{40}`, out.String(), "the output holds a token")
	return rep, out.String()
}

func TestRunPassesAgainstTheExamples(t *testing.T) {
	t.Parallel()
	for name, pkg := range examplePackages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.Start = pkg
			rep, out := testRun(t, cfg)

			assert.Zero(t, rep.Wrong, out)
			assert.False(t, rep.Failed(), out)
			assert.Contains(t, out, "\nPASS\n")
			assert.Positive(t, rep.Unprotected.Requests, out)
			assert.Positive(t, rep.Protected.Accepted, "judged valid tokens\n%s", out)
			assert.Positive(t, rep.Protected.Refused, "judged revoked tokens\n%s", out)
			assert.Positive(t, rep.Churn.Resets, out)
			assert.Positive(t, rep.Churn.DiskEdits, out)
			assert.Empty(t, rep.Notes, out)
		})
	}
}

func TestRunCatchesWrongAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		verifier func(c *cache.Cache) middleware.Verifier
		opts     []cache.Option
		check    func(t *testing.T, w Wrong, out string)
		caught   func(w Wrong) bool // what check asserts, as a condition
	}{
		{
			name:     "keeps accepting revoked tokens",
			verifier: func(c *cache.Cache) middleware.Verifier { return &sticky{c: c, seen: map[string]bool{}} },
			check: func(t *testing.T, w Wrong, out string) {
				assert.Positive(t, w.AcceptedRevoked, out)
				assert.Zero(t, w.RefusedValid, out)
			},
			caught: func(w Wrong) bool { return w.AcceptedRevoked > 0 },
		},
		{
			name:     "never sees edits on disk",
			verifier: func(c *cache.Cache) middleware.Verifier { return c },
			opts:     []cache.Option{cache.WithWatch(false), cache.WithPollInterval(time.Hour)},
			check: func(t *testing.T, w Wrong, out string) {
				assert.Positive(t, w.AcceptedRevoked, out)
				assert.Positive(t, w.RefusedValid, out)
			},
			caught: func(w Wrong) bool { return w.AcceptedRevoked > 0 && w.RefusedValid > 0 },
		},
		{
			name:     "fails some verifications",
			verifier: func(c *cache.Cache) middleware.Verifier { return &flaky{c: c} },
			check: func(t *testing.T, w Wrong, out string) {
				assert.Positive(t, w.ServerErrors, out)
				assert.Zero(t, w.AcceptedRevoked+w.RefusedValid, out)
			},
			caught: func(w Wrong) bool { return w.ServerErrors > 0 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "creds")
			c, err := cache.New(dir, tt.opts...)
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			ts := httptest.NewServer(testRoutes(c, tt.verifier(c)))
			t.Cleanup(ts.Close)

			cfg := testConfig()
			cfg.URL, cfg.Dir = ts.URL, dir
			// Which requests meet a change is up to the scheduler: on a
			// busy machine a short run may send too few of them. A run
			// that catches nothing is run again, up to three runs.
			rep, out := testRun(t, cfg)
			for range 2 {
				if tt.caught(rep.Wrong) {
					break
				}
				rep, out = testRun(t, cfg)
			}
			tt.check(t, rep.Wrong, out)
			assert.True(t, rep.Failed(), out)
			assert.Contains(t, out, "\nFAIL: ")
			assert.NotEmpty(t, rep.Notes, out)
		})
	}
}

func TestRunLeavesASharedDirectoryAsItFoundIt(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	c, err := cache.New(dir)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	alice, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	ts := httptest.NewServer(testRoutes(c, c))
	t.Cleanup(ts.Close)

	cfg := testConfig()
	cfg.URL, cfg.Dir = ts.URL, dir
	rep, out := testRun(t, cfg)
	assert.False(t, rep.Failed(), out)

	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"alice"}, users, "the run's users are deregistered")
	ok, err := c.Verify("alice", alice)
	require.NoError(t, err)
	assert.True(t, ok, "a user the run did not make is left alone")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".fixiecreds-") { // the cache's own lock
			names = append(names, e.Name())
		}
	}
	assert.Equal(t, []string{"alice.json"}, names, "no temporary file is left behind")
}

// testRoutes returns the routes of examples/server with v as the verifier
// of /hello.
func testRoutes(c *cache.Cache, v middleware.Verifier) http.Handler {
	mux := http.NewServeMux()
	// Without limits, as -start runs the examples: the load test is one
	// client changing users faster than any one client may.
	unlimited := httpapi.HandlerConfig{RegisterLimit: httpapi.NoLimit, ResetLimit: httpapi.NoLimit, ResetUserLimit: httpapi.NoLimit}
	mux.Handle("/creds/", http.StripPrefix("/creds", httpapi.HandlerWithConfig(c, unlimited)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /hello", middleware.Auth(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := middleware.UserFromContext(r.Context())
		fmt.Fprintf(w, "Hello, %s!\n", user)
	})))
	return mux
}

// sticky is a broken verifier that, once it accepted a user, accepts
// any token of theirs: a revoked one is then accepted wherever the load
// test sends it, however few requests a busy machine lets it send.
type sticky struct {
	c    *cache.Cache
	mu   sync.Mutex
	seen map[string]bool
}

func (s *sticky) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	ok, err := s.c.VerifyContext(ctx, user, token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.seen[user] = true
	}
	if s.seen[user] && err == nil {
		return true, nil
	}
	return ok, err
}

func (s *sticky) CheckToken(token string) error { return s.c.CheckToken(token) }

// flaky is a broken verifier that fails one verification in fifty.
type flaky struct {
	c *cache.Cache
	n atomic.Int64
}

func (f *flaky) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	if f.n.Add(1)%50 == 0 {
		return false, errors.New("disk on fire")
	}
	return f.c.VerifyContext(ctx, user, token)
}

func (f *flaky) CheckToken(token string) error { return f.c.CheckToken(token) }

func TestRunRefusesBadConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"neither url nor start", func(*Config) {}, "either -url or -start"},
		{"both url and start", func(c *Config) { c.URL, c.Start = "http://127.0.0.1:1", "x" }, "either -url or -start"},
		{"not loopback", func(c *Config) { c.URL = "http://192.0.2.1:80" }, "loopback only"},
		{"https", func(c *Config) { c.URL = "https://127.0.0.1:443" }, "loopback only"},
		{"no clients", func(c *Config) { c.URL, c.Clients = "http://127.0.0.1:1", 0 }, "-clients"},
		{"dir missing", func(c *Config) { c.URL, c.Dir = "http://127.0.0.1:1", "/nonexistent/creds" }, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			tt.edit(&cfg)
			_, err := run(t.Context(), cfg, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
