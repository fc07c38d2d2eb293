package authn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// errDisk stands for a verification that could not complete.
var errDisk = errors.New("record unreadable")

// verifyAlice accepts alice with token ff, cannot verify "broken", and
// answers as the cache does for anyone else.
func verifyAlice(_ context.Context, user, token string) (bool, error) {
	switch user {
	case "alice":
		return token == "ff", nil
	case "broken":
		return false, errDisk
	}
	return false, cache.ErrNotRegistered
}

func TestDecide(t *testing.T) {
	t.Parallel()
	chk, err := New(testSettings(Settings{}), Verifier{Verify: verifyAlice})
	require.NoError(t, err)
	tests := []struct {
		name          string
		skip          bool
		header        http.Header
		wantResult    Result
		wantPass      bool
		wantRefusal   error
		wantChallenge bool
	}{
		{name: "accepted", header: http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}}, wantResult: Accepted, wantPass: true},
		{name: "skipped", skip: true, header: http.Header{"X-Fixie-Token": {"ff"}}, wantResult: Skipped, wantPass: true},
		{name: "missing", header: http.Header{}, wantResult: Missing, wantRefusal: errMissing, wantChallenge: true},
		{name: "wrong token", header: http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"1"}}, wantResult: Rejected, wantRefusal: errInvalid, wantChallenge: true},
		{name: "unknown user", header: http.Header{"X-Fixie-User": {"bob"}, "X-Fixie-Token": {"ff"}}, wantResult: Rejected, wantRefusal: errInvalid, wantChallenge: true},
		{name: "failed", header: http.Header{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {"ff"}}, wantResult: Failed, wantRefusal: errFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header = tt.header
			d := chk.Decide(r, tt.skip)
			assert.Equal(t, tt.wantResult, d.Result)
			assert.Empty(t, r.Header.Values(DefaultTokenHeader), "the token header is still there")
			assert.Equal(t, tt.wantChallenge, d.Challenge)
			if tt.wantPass {
				require.NotNil(t, d.Next)
				assert.NoError(t, d.Refusal)
				user, ok := User(d.Next.Context())
				assert.Equal(t, tt.wantResult == Accepted, ok)
				assert.Equal(t, d.User, user)
				return
			}
			assert.Nil(t, d.Next)
			assert.ErrorIs(t, d.Refusal, tt.wantRefusal)
			if tt.wantRefusal == errFailed {
				assert.ErrorIs(t, d.Refusal, errDisk)
			} else {
				assert.Same(t, tt.wantRefusal, d.Refusal, "a refusal hands over the sentinel, not the reason")
			}
		})
	}
}

func TestDefaultAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err        error
		wantStatus int
		wantMsg    string
	}{
		{errMissing, http.StatusUnauthorized, "Unauthorized"},
		{errInvalid, http.StatusUnauthorized, "Unauthorized"},
		{errors.Join(errFailed, errDisk), http.StatusInternalServerError, "Credentials could not be verified"},
	} {
		status, msg := testErrors.DefaultAnswer(tc.err)
		assert.Equal(t, tc.wantStatus, status, tc.err.Error())
		assert.Equal(t, tc.wantMsg, msg, tc.err.Error())
	}
}

func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	chk, err := New(testSettings(Settings{Basic: true}), Verifier{Verify: verifyAlice})
	require.NoError(t, err)
	assert.Equal(t, []string{`Fixie realm="fixie"`, `Basic realm="fixie", charset="UTF-8"`}, chk.Challenge())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Fixie-User", "alice")
	r.Header.Set("X-Fixie-Token", "ff")
	assert.Equal(t, Accepted, chk.Check(r.Context(), r.Header).Result)
}

// nilVerifier is a verifier type whose methods would dereference a nil
// pointer.
type nilVerifier struct{ ok bool }

func (v *nilVerifier) Verify(string, string) (bool, error) { return v.ok, nil }

// funcVerifier is a function type that verifies, as middleware.VerifierFunc.
type funcVerifier func(user, token string) (bool, error)

func (f funcVerifier) Verify(user, token string) (bool, error) { return f(user, token) }

// mapVerifier is a map type that verifies; a nil one is usable.
type mapVerifier map[string]string

func (m mapVerifier) Verify(user, token string) (bool, error) {
	return m[user] == token && token != "", nil
}

func TestAdapt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		v       verifier
		wantErr string
	}{
		{name: "nil", v: nil, wantErr: "middleware: nil verifier"},
		{name: "nil pointer", v: (*nilVerifier)(nil), wantErr: "middleware: nil verifier: the *authn.nilVerifier is nil"},
		{name: "nil func", v: funcVerifier(nil), wantErr: "middleware: nil verifier: the authn.funcVerifier is nil"},
		{name: "pointer", v: &nilVerifier{ok: true}},
		{name: "func", v: funcVerifier(func(string, string) (bool, error) { return true, nil })},
		{name: "nil map works", v: mapVerifier(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Adapt(tc.v)
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
				assert.Nil(t, a.Verify)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, a.Verify)
			assert.Nil(t, a.CheckToken, "none of these checks tokens")
			assert.NotPanics(t, func() { _, _ = a.Verify(context.Background(), "alice", "ff") })
		})
	}
}
