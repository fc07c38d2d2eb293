package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

func TestAuthErrorHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		header        http.Header
		wantErr       error
		wantChallenge bool
	}{
		{name: "missing", header: http.Header{}, wantErr: middleware.ErrMissingCredentials, wantChallenge: true},
		{name: "unknown user", header: http.Header{"X-Fixie-User": {"mallory"}, "X-Fixie-Token": {"1"}}, wantErr: middleware.ErrInvalidCredentials, wantChallenge: true},
		{name: "wrong token", header: http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"1"}}, wantErr: middleware.ErrInvalidCredentials, wantChallenge: true},
		{name: "failed", header: http.Header{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {"1"}}, wantErr: errDisk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotErr error
			cfg := middleware.Config{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
				gotErr = err
				w.WriteHeader(http.StatusTeapot)
			}}
			h := middleware.AuthWithConfig(newUsers(), cfg)(protected(new(seen)))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header = tt.header
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			assert.Equal(t, http.StatusTeapot, rec.Code)
			assert.ErrorIs(t, gotErr, tt.wantErr)
			if tt.wantChallenge {
				assert.Equal(t, []string{fixieChallenge}, rec.Header().Values("WWW-Authenticate"))
				assert.Same(t, tt.wantErr, gotErr, "a refusal hands over the sentinel, not the reason")
			} else {
				assert.Empty(t, rec.Header().Values("WWW-Authenticate"))
				assert.ErrorIs(t, gotErr, middleware.ErrVerifyFailed)
			}
		})
	}
}

func TestConfigToMiddleware(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		v       middleware.Verifier
		cfg     middleware.Config
		wantErr string
	}{
		{name: "zero config", v: newUsers()},
		{name: "nil verifier", wantErr: "nil verifier"},
		{name: "nil *cache.Cache", v: (*cache.Cache)(nil), wantErr: "nil verifier: the *cache.Cache is nil"},
		{name: "nil VerifierFunc", v: middleware.VerifierFunc(nil), wantErr: "nil verifier: the middleware.VerifierFunc is nil"},
		{name: "user header with a space", v: newUsers(), cfg: middleware.Config{UserHeader: "X User"}, wantErr: "invalid user header"},
		{name: "token header with a colon", v: newUsers(), cfg: middleware.Config{TokenHeader: "X-Token:"}, wantErr: "invalid token header"},
		{name: "same header twice", v: newUsers(), cfg: middleware.Config{UserHeader: "x-cred", TokenHeader: "X-Cred"}, wantErr: "share the header"},
		{name: "basic on Authorization", v: newUsers(), cfg: middleware.Config{TokenHeader: "authorization", BasicAuth: true}, wantErr: "Authorization"},
		{name: "realm with a quote", v: newUsers(), cfg: middleware.Config{Realm: `a"b`}, wantErr: "invalid realm"},
		{name: "realm with a newline", v: newUsers(), cfg: middleware.Config{Realm: "a\nb"}, wantErr: "invalid realm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := tt.cfg.ToMiddleware(tt.v)
			if tt.wantErr == "" {
				require.NoError(t, err)
				// Both forms let a valid request through, and only it.
				for _, mw := range []func(http.Handler) http.Handler{mw, middleware.AuthWithConfig(tt.v, tt.cfg)} {
					for token, want := range map[string]int{aliceToken: http.StatusOK, "ff": http.StatusUnauthorized} {
						req := httptest.NewRequest(http.MethodGet, "/", nil)
						req.Header.Set("X-Fixie-User", "alice")
						req.Header.Set("X-Fixie-Token", token)
						rec := httptest.NewRecorder()
						mw(protected(new(seen))).ServeHTTP(rec, req)
						assert.Equal(t, want, rec.Code)
					}
				}
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.Nil(t, mw)
			assert.PanicsWithError(t, err.Error(), func() { middleware.AuthWithConfig(tt.v, tt.cfg) })
		})
	}
}

// TestNilVerifierFailsWhenBuilt checks that a nil verifier is refused when
// the middleware is built, not by a panic on the first request.
func TestNilVerifierFailsWhenBuilt(t *testing.T) {
	t.Parallel()
	var c *cache.Cache // as left by a cache.New that failed
	_, err := middleware.Config{}.ToMiddleware(c)
	require.Error(t, err)
	assert.PanicsWithError(t, err.Error(), func() { middleware.Auth(c) })
	assert.PanicsWithError(t, err.Error(), func() { middleware.AuthWithConfig(c, middleware.Config{}) })
}

func TestAuthVerifiesWithRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	cv := &ctxVerifier{key: key{}}
	h := middleware.Auth(cv)(protected(new(seen)))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(contextWith(req, key{}, "request scoped"))
	req.Header.Set("X-Fixie-User", "alice")
	req.Header.Set("X-Fixie-Token", "1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "request scoped", cv.got, "the verifier was not given the request's context")
}

func TestResultString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    middleware.Result
		want string
	}{
		{middleware.Accepted, "accepted"},
		{middleware.Skipped, "skipped"},
		{middleware.Missing, "missing"},
		{middleware.Rejected, "rejected"},
		{middleware.Failed, "failed"},
		{middleware.Result(0), "unknown"},
		{middleware.Result(200), "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.r.String())
		})
	}
}

func TestVerifierFunc(t *testing.T) {
	t.Parallel()
	f := middleware.VerifierFunc(func(_ context.Context, user, token string) (bool, error) {
		if user == "err" {
			return false, errDisk
		}
		return user == "alice" && token == "1", nil
	})
	ok, err := f.VerifyContext(context.Background(), "alice", "1")
	assert.True(t, ok)
	assert.NoError(t, err)
	ok, err = f.VerifyContext(context.Background(), "alice", "2")
	assert.False(t, ok)
	assert.NoError(t, err)
	_, err = f.VerifyContext(context.Background(), "err", "1")
	assert.True(t, errors.Is(err, errDisk))
}
