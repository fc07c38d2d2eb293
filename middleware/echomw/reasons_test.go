package echomw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

// TestOutcomeReasons: the Echo adapter reports the same reasons as the
// net/http middleware, and how long the decision took, while clients get
// one and the same 401.
func TestOutcomeReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		want   error
		text   string
	}{
		{"no headers", nil, middleware.ErrMissingCredentials, "no X-Fixie-User or X-Fixie-Token header"},
		{"Bearer", map[string]string{"Authorization": "Bearer " + aliceToken}, middleware.ErrMissingCredentials, "read only with BasicAuth on"},
		{"quoted token", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": `"` + aliceToken + `"`}, cache.ErrMalformedToken, "malformed"},
		{"wrong token", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": "00"}, cache.ErrInvalidToken, "invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got middleware.Outcome
			e := echo.New()
			e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") },
				echomw.AuthWithConfig(fakeVerifier{}, echomw.AuthConfig{
					OnOutcome: func(_ echo.Context, o middleware.Outcome) { got = o },
				}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Equal(t, unauthorizedBody, rec.Body.String())
			require.Error(t, got.Err)
			assert.ErrorIs(t, got.Err, tt.want)
			assert.ErrorContains(t, got.Err, tt.text)
			assert.Positive(t, got.Elapsed)
		})
	}
}
