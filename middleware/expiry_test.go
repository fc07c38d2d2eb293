package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// TestExpiredTokenRefused: an expired token, and a replaced one past its
// grace, get the 401 of any refusal at every HTTP door (the middleware,
// forward auth), the next handler never runs, and
// the outcome says why: cache.ErrTokenExpired, "token expired".
func TestExpiredTokenRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := cache.New(dir, cache.WithWatch(false), cache.WithPollInterval(time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	hash, err := c.HashToken(token)
	require.NoError(t, err)
	prev, err := c.HashToken("ff")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alice.json"), []byte(`{"email":"alice@example.org","expires":"2026-01-01T00:00:00Z",`+
		`"hashed_token":"`+hash+`","previous_expires":"2025-12-01T00:00:00Z","previous_hashed_token":"`+prev+`","user":"alice"}`), 0o600))

	var got middleware.Outcome
	cfg := middleware.Config{OnOutcome: func(_ *http.Request, o middleware.Outcome) { got = o }}
	doors := map[string]http.Handler{
		"middleware": middleware.AuthWithConfig(c, cfg)(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the next handler ran") })),
		"forward auth": middleware.ForwardAuth(c, cfg),
	}
	for door, h := range doors {
		for _, tok := range []string{token, "ff"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-Fixie-User", "alice")
			req.Header.Set("X-Fixie-Token", tok)
			rec := httptest.NewRecorder()
			require.Eventually(t, func() bool {
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, req.Clone(req.Context()))
				return got.Result != middleware.Accepted
			}, 10*time.Second, time.Millisecond, "%s: the record rewritten is read", door)
			assert.Equal(t, http.StatusUnauthorized, rec.Code, door)
			assert.Equal(t, `Fixie realm="fixie"`, rec.Header().Get("WWW-Authenticate"), door)
			assert.JSONEq(t, `{"message":"Unauthorized"}`, rec.Body.String(), "%s: the same as for any refusal", door)
			assert.Empty(t, rec.Header().Get("X-Fixie-User"), door)
			assert.Equal(t, middleware.Rejected, got.Result, door)
			assert.ErrorIs(t, got.Err, cache.ErrTokenExpired, door)
			assert.EqualError(t, got.Err, "cache: token expired", door)
		}
	}
}
