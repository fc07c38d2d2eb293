package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// benchCache returns a cache with alice registered, her token, and her
// record already loaded, so that the benchmarks measure the hot path.
func benchCache(b *testing.B) (*cache.Cache, string) {
	b.Helper()
	c, err := cache.New(filepath.Join(b.TempDir(), "creds"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(b, err)
	ok, err := c.Verify("alice", token)
	require.NoError(b, err)
	require.True(b, ok)
	return c, token
}

// BenchmarkAuth compares a route with and without Auth, one request per
// iteration through httptest.NewRecorder. The difference between
// "protected" and "unprotected" is the middleware's cost, the cache's
// Verify included.
func BenchmarkAuth(b *testing.B) {
	c, token := benchCache(b)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	benches := []struct {
		name     string
		h        http.Handler
		token    string
		wantCode int
	}{
		{name: "route=unprotected", h: ok, token: token, wantCode: http.StatusOK},
		{name: "route=protected", h: middleware.Auth(c)(ok), token: token, wantCode: http.StatusOK},
		{name: "route=protected-wrong-token", h: middleware.Auth(c)(ok), token: "ff", wantCode: http.StatusUnauthorized},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/private", nil)
			req.Header.Set("X-Fixie-User", "alice")
			tokenValue := []string{bb.token}
			b.ReportAllocs()
			for b.Loop() {
				req.Header["X-Fixie-Token"] = tokenValue // Auth deletes it
				rec := httptest.NewRecorder()
				bb.h.ServeHTTP(rec, req)
				if rec.Code != bb.wantCode {
					b.Fatalf("status %d, want %d", rec.Code, bb.wantCode)
				}
			}
		})
	}
}
