package middleware_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

const (
	aliceToken       = "46685257bdd640fb06671ad11c80317fa3b1799d"
	unauthorizedBody = `{"message":"Unauthorized"}`
	failedBody       = `{"message":"Credentials could not be verified"}`
	fixieChallenge   = `Fixie realm="fixie"`
	basicChallenge   = `Basic realm="fixie", charset="UTF-8"`
)

// seen is what the protected handler saw of a request that reached it.
type seen struct {
	user   string
	ok     bool
	header http.Header
}

// protected returns a handler that records what it saw and answers 200 "ok".
func protected(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.user, got.ok = middleware.UserFromContext(r.Context())
		got.header = r.Header.Clone()
		_, _ = w.Write([]byte("ok"))
	})
}

func basic(user, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+token))
}

func TestAuthWithConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         middleware.Config
		header      http.Header
		wantStatus  int
		wantBody    string
		wantUser    string // "" when the next handler must not run
		wantResult  middleware.Result
		wantErr     error // errors.Is target for Outcome.Err; nil for none
		wantBasic   bool
		wantChallen []string
	}{
		{
			name:       "valid",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice",
			wantResult: middleware.Accepted,
		},
		{
			// The fake compares case-exactly: the token reaches it as sent.
			name:       "valid, token in upper case is the verifier's business",
			header:     http.Header{"X-Fixie-User": {"名前"}, "X-Fixie-Token": {"FF"}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "名前",
			wantResult: middleware.Accepted,
		},
		{
			name:       "token in the other case is not folded",
			header:     http.Header{"X-Fixie-User": {"名前"}, "X-Fixie-Token": {"ff"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidToken,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "no headers",
			header:     http.Header{},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "no token",
			header:     http.Header{"X-Fixie-User": {"alice"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "empty token",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {""}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "empty user",
			header:     http.Header{"X-Fixie-User": {""}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "unknown user",
			header:     http.Header{"X-Fixie-User": {"mallory"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrNotRegistered,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "wrong token",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidToken,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "malformed token",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"zz"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrMalformedToken,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "token pasted with its quotes",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {`"46685257bdd640fb06671ad11c80317fa3b1799d"`}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrMalformedToken,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "path-like user",
			header:     http.Header{"X-Fixie-User": {"../etc/passwd"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidUser,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "repeated token header",
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff", aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: middleware.ErrInvalidCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "repeated user header",
			header:     http.Header{"X-Fixie-User": {"alice", "bob"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: middleware.ErrInvalidCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "verification could not complete",
			header:     http.Header{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusInternalServerError, wantBody: failedBody,
			wantResult: middleware.Failed, wantErr: errDisk,
		},
		{
			name:       "verifier claiming success with an error is not believed",
			header:     http.Header{"X-Fixie-User": {"liar"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusInternalServerError, wantBody: failedBody,
			wantResult: middleware.Failed, wantErr: middleware.ErrVerifyFailed,
		},
		{
			name:       "custom headers and realm",
			cfg:        middleware.Config{UserHeader: "x-user", TokenHeader: "x-api-key", Realm: "internal api"},
			header:     http.Header{"X-User": {"alice"}, "X-Api-Key": {aliceToken}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice",
			wantResult: middleware.Accepted,
		},
		{
			name:       "custom headers ignore the default ones",
			cfg:        middleware.Config{UserHeader: "x-user", TokenHeader: "x-api-key", Realm: "internal api"},
			header:     http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{`Fixie realm="internal api"`},
		},
		{
			name:       "basic off ignores Authorization",
			header:     http.Header{"Authorization": {basic("alice", aliceToken)}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge},
		},
		{
			name:       "basic",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("alice", aliceToken)}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice",
			wantResult: middleware.Accepted, wantBasic: true,
		},
		{
			name:       "basic scheme is case-insensitive",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {"bASIC " + strings.TrimPrefix(basic("alice", aliceToken), "Basic ")}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice",
			wantResult: middleware.Accepted, wantBasic: true,
		},
		{
			name:       "basic user name with a colon",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("bob:smith", "0123456789abcdef0123456789abcdef01234567")}},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "bob:smith",
			wantResult: middleware.Accepted, wantBasic: true,
		},
		{
			name:       "basic wrong token",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("alice", "ff")}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: cache.ErrInvalidToken, wantBasic: true,
			wantChallen: []string{fixieChallenge, basicChallenge},
		},
		{
			name:       "basic not base64",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {"Basic !!!"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: middleware.ErrInvalidCredentials, wantBasic: true,
			wantChallen: []string{fixieChallenge, basicChallenge},
		},
		{
			name:       "basic without colon",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("alice"))}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Rejected, wantErr: middleware.ErrInvalidCredentials, wantBasic: true,
			wantChallen: []string{fixieChallenge, basicChallenge},
		},
		{
			name:       "basic with empty token",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("alice", "")}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials, wantBasic: true,
			wantChallen: []string{fixieChallenge, basicChallenge},
		},
		{
			name:       "basic on, nothing presented",
			cfg:        middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {"Bearer abc"}},
			wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody,
			wantResult: middleware.Missing, wantErr: middleware.ErrMissingCredentials,
			wantChallen: []string{fixieChallenge, basicChallenge},
		},
		{
			name: "fixie headers win over basic",
			cfg:  middleware.Config{BasicAuth: true},
			header: http.Header{
				"X-Fixie-User":  {"alice"},
				"X-Fixie-Token": {aliceToken},
				"Authorization": {basic("名前", "FF")},
			},
			wantStatus: http.StatusOK, wantBody: "ok", wantUser: "alice",
			wantResult: middleware.Accepted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var outcomes []middleware.Outcome
			cfg := tt.cfg
			cfg.OnOutcome = func(_ *http.Request, o middleware.Outcome) { outcomes = append(outcomes, o) }
			var got seen
			h := middleware.AuthWithConfig(newUsers(), cfg)(protected(&got))

			req := httptest.NewRequest(http.MethodGet, "/private", nil)
			for k, vs := range tt.header {
				req.Header[k] = append([]string(nil), vs...)
			}
			req.Header.Set("X-Request-Id", "42")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, tt.wantChallen, rec.Header().Values("WWW-Authenticate"))
			if tt.wantStatus != http.StatusOK {
				assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			}
			if tt.wantUser == "" {
				assert.Nil(t, got.header, "the next handler ran")
			} else {
				assert.True(t, got.ok)
				assert.Equal(t, tt.wantUser, got.user)
				assert.Equal(t, "42", got.header.Get("X-Request-Id"), "other headers pass")
				tokenHeader := cfg.TokenHeader
				if tokenHeader == "" {
					tokenHeader = middleware.DefaultTokenHeader
				}
				assert.Empty(t, got.header.Values(tokenHeader), "the token header reached the next handler")
				for k, vs := range got.header {
					for _, v := range vs {
						assert.NotContains(t, v, aliceToken, "header %s reached the next handler with the token", k)
					}
				}
				if cfg.BasicAuth {
					assert.Empty(t, got.header.Get("Authorization"), "a Basic credential reached the next handler")
				}
			}
			require.Len(t, outcomes, 1)
			o := outcomes[0]
			assert.Equal(t, tt.wantResult, o.Result)
			assert.Equal(t, tt.wantBasic, o.Basic)
			if tt.wantErr == nil {
				assert.NoError(t, o.Err)
			} else {
				assert.ErrorIs(t, o.Err, tt.wantErr)
			}
			assert.NotContains(t, fmt.Sprintf("%#v %v", o, o.Err), aliceToken, "the outcome holds the token")
		})
	}
}

func TestAuthTokenHeaderNeverReachesNextHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  middleware.Config
	}{
		{name: "default", cfg: middleware.Config{}},
		{name: "custom header", cfg: middleware.Config{TokenHeader: "X-Api-Key"}},
		{name: "skipped", cfg: middleware.Config{Skipper: func(*http.Request) bool { return true }}},
		{name: "skipped with basic", cfg: middleware.Config{BasicAuth: true, Skipper: func(*http.Request) bool { return true }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got seen
			h := middleware.AuthWithConfig(newUsers(), tt.cfg)(protected(&got))
			tokenHeader := tt.cfg.TokenHeader
			if tokenHeader == "" {
				tokenHeader = middleware.DefaultTokenHeader
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-Fixie-User", "alice")
			req.Header.Set(tokenHeader, aliceToken)
			if tt.cfg.BasicAuth {
				req.Header.Set("Authorization", basic("alice", aliceToken))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			require.Equal(t, http.StatusOK, rec.Code)
			require.NotNil(t, got.header)
			assert.Empty(t, got.header.Values(tokenHeader))
			assert.Empty(t, got.header.Values("Authorization"))
		})
	}
}

func TestAuthSameBodyForEveryRefusal(t *testing.T) {
	t.Parallel()
	h := middleware.Auth(newUsers())(protected(new(seen)))
	refusals := map[string]http.Header{
		"missing":        {},
		"unknown user":   {"X-Fixie-User": {"mallory"}, "X-Fixie-Token": {aliceToken}},
		"wrong token":    {"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}},
		"malformed":      {"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"0x1f"}},
		"unusable name":  {"X-Fixie-User": {".hidden"}, "X-Fixie-Token": {aliceToken}},
		"repeated token": {"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"1", "2"}},
	}
	type answer struct {
		code   int
		header http.Header
		body   string
	}
	var first *answer
	for name, header := range refusals {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header = header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := &answer{rec.Code, rec.Header(), rec.Body.String()}
		assert.Equal(t, http.StatusUnauthorized, got.code, name)
		if first == nil {
			first = got
			continue
		}
		assert.Equal(t, first, got, "%s answers differently", name)
	}
}

func TestAuthSkipper(t *testing.T) {
	t.Parallel()
	var outcomes []middleware.Outcome
	cfg := middleware.Config{
		Skipper:   func(r *http.Request) bool { return r.URL.Path == "/health" },
		OnOutcome: func(_ *http.Request, o middleware.Outcome) { outcomes = append(outcomes, o) },
	}
	var got seen
	h := middleware.AuthWithConfig(newUsers(), cfg)(protected(&got))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.False(t, got.ok, "a skipped request carries no user")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/private", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)

	require.Len(t, outcomes, 2)
	outcomes[0].Elapsed = 0
	assert.Equal(t, middleware.Outcome{Result: middleware.Skipped}, outcomes[0])
	assert.Equal(t, middleware.Missing, outcomes[1].Result)
}
