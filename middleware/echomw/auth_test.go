package echomw_test

import (
	"encoding/base64"
	"errors"
	"fmt"
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

const (
	unauthorizedBody = "{\"message\":\"Unauthorized\"}\n"
	failedBody       = "{\"message\":\"Credentials could not be verified\"}\n"
)

// seen is what a protected handler saw.
type seen struct {
	echoUser, ctxUser string
	echoOK, ctxOK     bool
	header            http.Header
}

func record(got *seen) echo.HandlerFunc {
	return func(c echo.Context) error {
		got.echoUser, got.echoOK = echomw.User(c)
		got.ctxUser, got.ctxOK = middleware.UserFromContext(c.Request().Context())
		got.header = c.Request().Header.Clone()
		return c.String(http.StatusOK, "ok")
	}
}

func TestAuthWithConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		cfg           echomw.AuthConfig
		header        http.Header
		wantStatus    int
		wantBody      string
		wantUser      string
		wantResult    middleware.Result
		wantErr       error
		wantChallenge []string
	}{
		{
			name:       "valid",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice", wantResult: middleware.Accepted,
		},
		{
			name:       "missing",
			header:     http.Header{},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallenge: []string{`Fixie realm="fixie"`},
		},
		{
			name:       "unknown user",
			header:     http.Header{"X-Fixie-User": {"mallory"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrNotRegistered,
			wantChallenge: []string{`Fixie realm="fixie"`},
		},
		{
			name:       "wrong token",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidToken,
			wantChallenge: []string{`Fixie realm="fixie"`},
		},
		{
			name:       "unusable name",
			header:     http.Header{"X-Fixie-User": {"../x"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidUser,
			wantChallenge: []string{`Fixie realm="fixie"`},
		},
		{
			name:       "could not complete",
			header:     http.Header{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusInternalServerError, wantBody: failedBody,
			wantResult: middleware.Failed, wantErr: errDisk,
		},
		{
			name:       "custom headers and realm",
			cfg:        echomw.AuthConfig{UserHeader: "X-User", TokenHeader: "X-Key", Realm: "api"},
			header:     http.Header{"X-User": {"alice"}, "X-Key": {"1"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidToken,
			wantChallenge: []string{`Fixie realm="api"`},
		},
		{
			name:       "basic",
			cfg:        echomw.AuthConfig{BasicAuth: true},
			header:     http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+aliceToken))}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice", wantResult: middleware.Accepted,
		},
		{
			name:       "basic challenge",
			cfg:        echomw.AuthConfig{BasicAuth: true},
			header:     http.Header{},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallenge: []string{`Fixie realm="fixie"`, `Basic realm="fixie", charset="UTF-8"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var outcomes []middleware.Outcome
			cfg := tt.cfg
			cfg.OnOutcome = func(_ echo.Context, o middleware.Outcome) { outcomes = append(outcomes, o) }
			var got seen
			e := echo.New()
			e.GET("/private", record(&got), echomw.AuthWithConfig(fakeVerifier{}, cfg))

			req := httptest.NewRequest(http.MethodGet, "/private", nil)
			req.Header = tt.header
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)

			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, tt.wantChallenge, rec.Header().Values("WWW-Authenticate"))
			if tt.wantUser == "" {
				assert.Nil(t, got.header, "the next handler ran")
			} else {
				assert.Equal(t, seen{echoUser: tt.wantUser, echoOK: true, ctxUser: tt.wantUser, ctxOK: true, header: got.header}, got)
				for k, vs := range got.header {
					for _, v := range vs {
						assert.NotContains(t, v, aliceToken, "header %s reached the handler with the token", k)
					}
				}
				assert.Empty(t, got.header.Values("Authorization"))
			}
			require.Len(t, outcomes, 1)
			assert.Equal(t, tt.wantResult, outcomes[0].Result)
			if tt.wantErr == nil {
				assert.NoError(t, outcomes[0].Err)
			} else {
				assert.ErrorIs(t, outcomes[0].Err, tt.wantErr)
			}
			assert.NotContains(t, fmt.Sprintf("%#v", outcomes[0]), aliceToken)
		})
	}
}

func TestAuthPlacement(t *testing.T) {
	t.Parallel()
	auth := echomw.Auth(fakeVerifier{})
	whoami := func(c echo.Context) error {
		user, ok := echomw.User(c)
		if !ok {
			user = "anonymous"
		}
		return c.String(http.StatusOK, user)
	}
	tests := []struct {
		name  string
		build func(e *echo.Echo)
		path  string
	}{
		{name: "e.Use", path: "/x", build: func(e *echo.Echo) {
			e.Use(auth)
			e.GET("/x", whoami)
		}},
		{name: "group", path: "/api/x", build: func(e *echo.Echo) {
			g := e.Group("/api", auth)
			g.GET("/x", whoami)
			e.GET("/public", whoami)
		}},
		{name: "one route", path: "/x", build: func(e *echo.Echo) {
			e.GET("/x", whoami, auth)
			e.GET("/public", whoami)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := echo.New()
			tt.build(e)

			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			assert.Equal(t, http.StatusUnauthorized, rec.Code)

			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("X-Fixie-User", "alice")
			req.Header.Set("X-Fixie-Token", aliceToken)
			rec = httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "alice", rec.Body.String())

			if tt.name != "e.Use" {
				rec = httptest.NewRecorder()
				e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/public", nil))
				assert.Equal(t, http.StatusOK, rec.Code)
				assert.Equal(t, "anonymous", rec.Body.String())
			}
		})
	}
}

func TestAuthSkipperAndErrorHandler(t *testing.T) {
	t.Parallel()
	var handed []error
	var results []middleware.Result
	cfg := echomw.AuthConfig{
		Skipper: func(c echo.Context) bool { return c.Path() == "/health" },
		ErrorHandler: func(err error, c echo.Context) error {
			handed = append(handed, err)
			return c.JSON(http.StatusTeapot, map[string]string{"message": "no"})
		},
		OnOutcome: func(_ echo.Context, o middleware.Outcome) { results = append(results, o.Result) },
	}
	var got seen
	e := echo.New()
	e.Use(echomw.AuthWithConfig(fakeVerifier{}, cfg))
	e.GET("/health", record(&got))
	e.GET("/private", record(&got))

	req := httptest.NewRequest(http.MethodGet, "/health", nil)
	req.Header.Set("X-Fixie-Token", aliceToken)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.False(t, got.echoOK, "a skipped request carries no user")
	assert.Empty(t, got.header.Values("X-Fixie-Token"), "the token header reached a skipped handler")

	for _, user := range []string{"alice", "broken"} {
		req = httptest.NewRequest(http.MethodGet, "/private", nil)
		req.Header.Set("X-Fixie-User", user)
		req.Header.Set("X-Fixie-Token", "1")
		rec = httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusTeapot, rec.Code)
	}
	assert.Equal(t, []middleware.Result{middleware.Skipped, middleware.Rejected, middleware.Failed}, results)
	require.Len(t, handed, 2)
	assert.Same(t, middleware.ErrInvalidCredentials, handed[0])
	assert.ErrorIs(t, handed[1], middleware.ErrVerifyFailed)
	assert.ErrorIs(t, handed[1], errDisk)
}

func TestAuthDefaultErrorIsHTTPError(t *testing.T) {
	t.Parallel()
	mw := echomw.Auth(fakeVerifier{})
	e := echo.New()
	tests := []struct {
		name     string
		user     string
		wantCode int
		wantErr  error
	}{
		{name: "refused", user: "mallory", wantCode: http.StatusUnauthorized, wantErr: middleware.ErrInvalidCredentials},
		{name: "failed", user: "broken", wantCode: http.StatusInternalServerError, wantErr: middleware.ErrVerifyFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-Fixie-User", tt.user)
			req.Header.Set("X-Fixie-Token", aliceToken)
			c := e.NewContext(req, httptest.NewRecorder())
			err := mw(func(echo.Context) error { return errors.New("next ran") })(c)

			var he *echo.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.wantCode, he.Code)
			assert.ErrorIs(t, he.Internal, tt.wantErr)
			assert.NotContains(t, err.Error(), aliceToken)
		})
	}
}

func TestAuthConfigToMiddleware(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		v       middleware.Verifier
		cfg     echomw.AuthConfig
		wantErr string
	}{
		{name: "zero", v: fakeVerifier{}},
		{name: "nil verifier", wantErr: "nil verifier"},
		{name: "nil *cache.Cache", v: (*cache.Cache)(nil), wantErr: "nil verifier: the *cache.Cache is nil"},
		{name: "nil VerifierFunc", v: middleware.VerifierFunc(nil), wantErr: "nil verifier: the middleware.VerifierFunc is nil"},
		{name: "same header twice", v: fakeVerifier{}, cfg: echomw.AuthConfig{UserHeader: "X-Key", TokenHeader: "x_key"}, wantErr: "share the header"},
		{name: "bad header", v: fakeVerifier{}, cfg: echomw.AuthConfig{TokenHeader: "a b"}, wantErr: "invalid token header"},
		{name: "bad realm", v: fakeVerifier{}, cfg: echomw.AuthConfig{Realm: "\\"}, wantErr: "invalid realm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := tt.cfg.ToMiddleware(tt.v)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.NotNil(t, mw)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.PanicsWithError(t, err.Error(), func() { echomw.AuthWithConfig(tt.v, tt.cfg) })
		})
	}
}

// TestNilVerifierFailsWhenBuilt checks that a nil verifier is refused when
// the middleware is built, not by a panic on the first request.
func TestNilVerifierFailsWhenBuilt(t *testing.T) {
	t.Parallel()
	var c *cache.Cache // as left by a cache.New that failed
	_, err := echomw.AuthConfig{}.ToMiddleware(c)
	require.Error(t, err)
	assert.PanicsWithError(t, err.Error(), func() { echomw.Auth(c) })
	assert.PanicsWithError(t, err.Error(), func() { echomw.AuthWithConfig(c, echomw.AuthConfig{}) })
}

func TestUserWithoutAuth(t *testing.T) {
	t.Parallel()
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	user, ok := echomw.User(c)
	assert.False(t, ok)
	assert.Empty(t, user)
	user, ok = echomw.User(nil)
	assert.False(t, ok)
	assert.Empty(t, user)
}
