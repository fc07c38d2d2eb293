package echomw_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
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

// echoBench is one Echo benchmark: a route with mw (none if nil) and the
// token to present.
type echoBench struct {
	name     string
	mw       echo.MiddlewareFunc
	token    string
	wantCode int
}

// runEcho serves one request per iteration through e.ServeHTTP and
// httptest.NewRecorder.
func runEcho(b *testing.B, bb echoBench) {
	b.Helper()
	e := echo.New()
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	if bb.mw != nil {
		e.GET("/private", ok, bb.mw)
	} else {
		e.GET("/private", ok)
	}
	req := httptest.NewRequest(http.MethodGet, "/private", nil)
	req.Header.Set("X-Fixie-User", "alice")
	tokenValue := []string{bb.token}
	b.ReportAllocs()
	for b.Loop() {
		req.Header["X-Fixie-Token"] = tokenValue // Auth deletes it
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != bb.wantCode {
			b.Fatalf("status %d, want %d", rec.Code, bb.wantCode)
		}
	}
}

// echoBenches returns the benchmarks of this package's middleware; a build
// with the keyauthbench tag adds Echo's own KeyAuth to compare with.
func echoBenches(c *cache.Cache, token string) []echoBench {
	return []echoBench{
		{name: "mw=unprotected", token: token, wantCode: http.StatusOK},
		{name: "mw=echomw", mw: echomw.Auth(c), token: token, wantCode: http.StatusOK},
		{name: "mw=echomw-wrong-token", mw: echomw.Auth(c), token: "ff", wantCode: http.StatusUnauthorized},
	}
}

func BenchmarkAuth(b *testing.B) {
	c, token := benchCache(b)
	benches := append(echoBenches(c, token), keyAuthBenches(c, token)...)
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) { runEcho(b, bb) })
	}
}
