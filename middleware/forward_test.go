package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// TestForwardAuth: the proxy's answer for every outcome, whatever the
// method and body, with the verified user always in the answer of an
// accepted request and never in another.
func TestForwardAuth(t *testing.T) {
	t.Parallel()
	good := http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}}
	with := func(extra http.Header) http.Header {
		h := good.Clone()
		for k, v := range extra {
			h[k] = append(h[k], v...)
		}
		return h
	}
	tests := []struct {
		name       string
		cfg        middleware.Config
		method     string
		header     http.Header
		wantStatus int
		wantUser   string // the answer's X-Fixie-User; "" for none
		wantResult middleware.Result
		wantErr    error
		wantChall  []string
	}{
		{name: "valid", header: good,
			wantStatus: http.StatusOK, wantUser: "alice", wantResult: middleware.Accepted},
		{name: "valid, POST with a body", method: http.MethodPost, header: good,
			wantStatus: http.StatusOK, wantUser: "alice", wantResult: middleware.Accepted},
		{name: "valid, lower-case keys", header: http.Header{"x-fixie-user": {"alice"}, "x-fixie-token": {aliceToken}},
			wantStatus: http.StatusOK, wantUser: "alice", wantResult: middleware.Accepted},
		{name: "no credentials", header: http.Header{},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Missing,
			wantErr: middleware.ErrMissingCredentials, wantChall: []string{fixieChallenge}},
		{name: "no token", header: http.Header{"X-Fixie-User": {"alice"}},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Missing,
			wantErr: middleware.ErrMissingCredentials, wantChall: []string{fixieChallenge}},
		{name: "wrong token", header: http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"00ff"}},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: cache.ErrInvalidToken, wantChall: []string{fixieChallenge}},
		{name: "malformed token", header: http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"not hex"}},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: cache.ErrMalformedToken, wantChall: []string{fixieChallenge}},
		{name: "unknown user", header: http.Header{"X-Fixie-User": {"mallory"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: cache.ErrNotRegistered, wantChall: []string{fixieChallenge}},
		{name: "look-alike user beside good credentials", header: with(http.Header{"X_Fixie_User": {"root"}}),
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: middleware.ErrInvalidCredentials, wantChall: []string{fixieChallenge}},
		{name: "look-alike token beside good credentials", header: with(http.Header{"x_fixie-token": {aliceToken}}),
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: middleware.ErrInvalidCredentials, wantChall: []string{fixieChallenge}},
		{name: "user twice", header: with(http.Header{"X-Fixie-User": {"root"}}),
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: middleware.ErrInvalidCredentials, wantChall: []string{fixieChallenge}},
		{name: "user twice, as case variants", header: with(http.Header{"x-fixie-user": {"alice"}}),
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: middleware.ErrInvalidCredentials, wantChall: []string{fixieChallenge}},
		{name: "token twice", header: with(http.Header{"X-Fixie-Token": {aliceToken}}),
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: middleware.ErrInvalidCredentials, wantChall: []string{fixieChallenge}},
		{name: "verification fails", header: http.Header{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusInternalServerError, wantResult: middleware.Failed, wantErr: middleware.ErrVerifyFailed},
		{name: "verifier claims success with an error", header: http.Header{"X-Fixie-User": {"liar"}, "X-Fixie-Token": {aliceToken}},
			wantStatus: http.StatusInternalServerError, wantResult: middleware.Failed, wantErr: middleware.ErrVerifyFailed},
		{name: "basic", cfg: middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("bob:smith", "0123456789abcdef0123456789abcdef01234567")}},
			wantStatus: http.StatusOK, wantUser: "bob:smith", wantResult: middleware.Accepted},
		{name: "basic, wrong token", cfg: middleware.Config{BasicAuth: true},
			header:     http.Header{"Authorization": {basic("alice", "00ff")}},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Rejected,
			wantErr: cache.ErrInvalidToken, wantChall: []string{fixieChallenge, basicChallenge}},
		{name: "configured headers and realm",
			cfg:        middleware.Config{UserHeader: "X-Remote-User", TokenHeader: "X-Remote-Token", Realm: "intranet"},
			header:     http.Header{"X-Remote-User": {"alice"}, "X-Remote-Token": {aliceToken}},
			wantStatus: http.StatusOK, wantUser: "alice", wantResult: middleware.Accepted},
		{name: "configured realm challenged", cfg: middleware.Config{Realm: "intranet"}, header: http.Header{},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Missing,
			wantErr: middleware.ErrMissingCredentials, wantChall: []string{`Fixie realm="intranet"`}},
		{name: "skipper and error handler do not apply",
			cfg: middleware.Config{
				Skipper:      func(*http.Request) bool { return true },
				ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusTeapot) },
			},
			header:     http.Header{},
			wantStatus: http.StatusUnauthorized, wantResult: middleware.Missing,
			wantErr: middleware.ErrMissingCredentials, wantChall: []string{fixieChallenge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var outcomes []middleware.Outcome
			cfg := tt.cfg
			cfg.OnOutcome = func(_ *http.Request, o middleware.Outcome) { outcomes = append(outcomes, o) }
			h := middleware.ForwardAuth(newUsers(), cfg)

			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "/forward-auth", strings.NewReader(`{"ignored":true}`))
			r.Header = tt.header.Clone()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, tt.wantChall, w.Header().Values("WWW-Authenticate"))
			switch tt.wantStatus {
			case http.StatusOK:
				assert.Equal(t, []string{tt.wantUser}, w.Header().Values(userHeaderOf(tt.cfg)))
				if tt.cfg.UserHeader != "" {
					assert.Empty(t, w.Header().Values(middleware.DefaultUserHeader))
				}
				assert.Empty(t, w.Body.String())
			case http.StatusUnauthorized:
				assert.JSONEq(t, unauthorizedBody, w.Body.String())
				assert.Empty(t, w.Header().Values(userHeaderOf(tt.cfg)))
			default:
				assert.JSONEq(t, failedBody, w.Body.String())
				assert.Empty(t, w.Header().Values(userHeaderOf(tt.cfg)))
			}
			assert.NotContains(t, w.Body.String(), aliceToken)

			require.Len(t, outcomes, 1)
			assert.Equal(t, tt.wantResult, outcomes[0].Result)
			if tt.wantErr != nil {
				assert.ErrorIs(t, outcomes[0].Err, tt.wantErr)
			} else {
				assert.NoError(t, outcomes[0].Err)
			}
			assert.Positive(t, outcomes[0].Elapsed, "the hook's decisions are timed")
		})
	}
}

// userHeaderOf is the user header that cfg configures.
func userHeaderOf(cfg middleware.Config) string {
	if cfg.UserHeader != "" {
		return cfg.UserHeader
	}
	return middleware.DefaultUserHeader
}

// TestForwardAuthOverTheWire: over a real connection, where header keys
// keep the spelling the client gave them, every look-alike of a
// credential header beside good credentials gets the 401, and so does a
// credential header sent twice.
func TestForwardAuthOverTheWire(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(middleware.ForwardAuth(newUsers(), middleware.Config{}))
	t.Cleanup(srv.Close)
	good := [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", aliceToken}}

	resp := get(t, srv, good)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"alice"}, resp.Header.Values("X-Fixie-User"))

	extras := append([][2]string{
		{"X-Fixie-User", "root"},
		{"x-fixie-user", "alice"},
		{"X-Fixie-Token", aliceToken},
	}, smuggled...)
	for _, extra := range extras {
		header := append(good[:2:2], extra)
		resp := get(t, srv, header)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%q", header)
		assert.Equal(t, fixieChallenge, resp.Header.Get("WWW-Authenticate"), "%q", header)
		assert.Empty(t, resp.Header.Values("X-Fixie-User"), "%q", header)
	}
}

// get sends a GET for /forward-auth to srv with the header keys spelled as
// given, and returns the answer with its body read.
func get(t *testing.T, srv *httptest.Server, header [][2]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/forward-auth", nil)
	require.NoError(t, err)
	for _, kv := range header {
		req.Header[kv[0]] = append(req.Header[kv[0]], kv[1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	return resp
}

// TestForwardAuthConfigErrors: what NewChecker refuses, ToForwardAuth
// reports and ForwardAuth panics on.
func TestForwardAuthConfigErrors(t *testing.T) {
	t.Parallel()
	_, err := middleware.Config{}.ToForwardAuth(nil)
	assert.Error(t, err)
	_, err = middleware.Config{UserHeader: "X-Fixie-Token"}.ToForwardAuth(newUsers())
	assert.Error(t, err)
	var nilCache *cache.Cache
	assert.Panics(t, func() { middleware.ForwardAuth(nilCache, middleware.Config{}) })
	h, err := middleware.Config{}.ToForwardAuth(newUsers())
	require.NoError(t, err)
	assert.NotNil(t, h)
}
