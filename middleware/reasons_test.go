package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// TestOutcomeReasons: the outcome says why a request was refused, in
// words a client's author can act on, while every client gets the same
// 401.
func TestOutcomeReasons(t *testing.T) {
	t.Parallel()
	c, err := cache.New(t.TempDir(), cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)

	tests := []struct {
		name   string
		cfg    middleware.Config
		header map[string]string
		want   error  // matched with errors.Is
		text   string // in the reason
	}{
		{"no headers", middleware.Config{}, nil,
			middleware.ErrMissingCredentials, "no X-Fixie-User or X-Fixie-Token header"},
		{"curl -u while BasicAuth is off", middleware.Config{},
			map[string]string{"Authorization": "Basic YWxpY2U6ZmY="},
			middleware.ErrMissingCredentials, "Basic credentials are read only with BasicAuth on"},
		{"configured header missing", middleware.Config{TokenHeader: "X-Api-Key"},
			map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": token},
			middleware.ErrMissingCredentials, "no X-Api-Key header"},
		{"token from jq, with its quotes", middleware.Config{},
			map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": `"` + token + `"`},
			cache.ErrMalformedToken, "malformed token"},
		{"0x", middleware.Config{},
			map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "0x" + token},
			cache.ErrMalformedToken, "malformed token"},
		{"one digit too many for the token size", middleware.Config{},
			map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "1" + token},
			cache.ErrMalformedToken, "malformed token"},
		{"wrong token", middleware.Config{},
			map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": strings.Repeat("0", 40)},
			cache.ErrInvalidToken, "invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got middleware.Outcome
			cfg := tt.cfg
			cfg.OnOutcome = func(_ *http.Request, o middleware.Outcome) { got = o }
			h := middleware.AuthWithConfig(c, cfg)(http.NotFoundHandler())
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.JSONEq(t, `{"message":"Unauthorized"}`, rec.Body.String(), "the same for every client")
			assert.ErrorIs(t, got.Err, tt.want)
			assert.ErrorContains(t, got.Err, tt.text)
			assert.NotContains(t, got.Err.Error(), token)
		})
	}
}

// slowVerifier takes at least d to answer.
type slowVerifier struct{ d time.Duration }

func (v slowVerifier) VerifyContext(context.Context, string, string) (bool, error) {
	time.Sleep(v.d)
	return true, nil
}

func (slowVerifier) CheckToken(string) error { return nil }

// TestOutcomeElapsed: the outcome says how long the decision took,
// verification included.
func TestOutcomeElapsed(t *testing.T) {
	t.Parallel()
	const work = 5 * time.Millisecond
	var got middleware.Outcome
	h := middleware.AuthWithConfig(slowVerifier{work}, middleware.Config{
		OnOutcome: func(_ *http.Request, o middleware.Outcome) { got = o },
	})(http.NotFoundHandler())
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Fixie-User", "alice")
	req.Header.Set("X-Fixie-Token", "ff")
	h.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, middleware.Accepted, got.Result)
	assert.GreaterOrEqual(t, got.Elapsed, work)
}
