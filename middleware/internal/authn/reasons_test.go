package authn

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// TestMissingReasons: the reason for missing credentials names the
// headers the checker reads, configured or default, says which was
// absent or empty, and tells of an Authorization header it does not read.
func TestMissingReasons(t *testing.T) {
	t.Parallel()
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:ff"))
	emptyToken := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"))
	tests := []struct {
		name     string
		settings Settings
		header   http.Header
		want     string // the whole reason
	}{
		{"nothing", Settings{}, http.Header{},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header"},
		{"nothing, Basic on", Settings{Basic: true}, http.Header{},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header, and no Authorization: Basic header"},
		{"no token", Settings{}, http.Header{"X-Fixie-User": {"alice"}},
			"middleware: missing credentials: no X-Fixie-Token header"},
		{"no user", Settings{}, http.Header{"X-Fixie-Token": {"ff"}},
			"middleware: missing credentials: no X-Fixie-User header"},
		{"empty token", Settings{}, http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {""}},
			"middleware: missing credentials: an empty X-Fixie-Token header"},
		{"empty user, no token", Settings{}, http.Header{"X-Fixie-User": {""}},
			"middleware: missing credentials: an empty X-Fixie-User header and no X-Fixie-Token header"},
		{"configured headers", Settings{UserHeader: "x-api-user", TokenHeader: "X-Api-Key"}, http.Header{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}},
			"middleware: missing credentials: no X-Api-User or X-Api-Key header"},
		{"Basic while BasicAuth is off", Settings{}, http.Header{"Authorization": {basic}},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header; an Authorization header came, but Basic credentials are read only with BasicAuth on"},
		{"Bearer while BasicAuth is off", Settings{}, http.Header{"X-Fixie-User": {"alice"}, "Authorization": {"Bearer ff"}},
			"middleware: missing credentials: no X-Fixie-Token header; an Authorization header came, but Basic credentials are read only with BasicAuth on"},
		{"Bearer while BasicAuth is on", Settings{Basic: true}, http.Header{"Authorization": {"Bearer ff"}},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header; an Authorization header came, but not of the Basic scheme"},
		{"Basic without a token", Settings{Basic: true}, http.Header{"Authorization": {emptyToken}},
			"middleware: missing credentials: Basic credentials with an empty token (the password)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chk, err := New(testSettings(tt.settings), Verifier{Verify: verifyAlice})
			require.NoError(t, err)
			v := chk.Check(context.Background(), tt.header)
			assert.Equal(t, Missing, v.Result)
			assert.ErrorIs(t, v.Err, errMissing)
			assert.EqualError(t, v.Err, tt.want)
		})
	}
}

// TestInvalidReasons: the checker's own refusals say what was wrong.
func TestInvalidReasons(t *testing.T) {
	t.Parallel()
	chk, err := New(testSettings(Settings{Basic: true}), Verifier{Verify: verifyAlice})
	require.NoError(t, err)
	v := chk.Check(context.Background(), http.Header{"X-Fixie-User": {"alice", "bob"}, "X-Fixie-Token": {"ff"}})
	assert.ErrorIs(t, v.Err, errInvalid)
	assert.EqualError(t, v.Err, "middleware: invalid credentials: X-Fixie-User or X-Fixie-Token header sent more than once")
	v = chk.Check(context.Background(), http.Header{"Authorization": {"Basic %%%"}})
	assert.ErrorIs(t, v.Err, errInvalid)
	assert.Contains(t, v.Err.Error(), "Authorization: Basic header that is not one base64 user:token")
}

// checkFF is a CheckToken for a verifier whose tokens are one byte: at
// most two hex digits of value.
func checkFF(token string) error {
	if err := CheckHex(token); err != nil || len(strings.TrimLeft(token, "0")) > 2 {
		return cache.ErrMalformedToken
	}
	return nil
}

// TestMalformedReason: a token that cannot be anyone's is reported as
// malformed, not as wrong; the verifier's own check is used when it has
// one. An unknown name stays the reason for an unknown user.
func TestMalformedReason(t *testing.T) {
	t.Parallel()
	plain, err := New(testSettings(Settings{}), Verifier{Verify: verifyAlice})
	require.NoError(t, err)
	sized, err := New(testSettings(Settings{}), Verifier{Verify: verifyAlice, CheckToken: checkFF})
	require.NoError(t, err)
	tests := []struct {
		name  string
		chk   *Checker
		user  string
		token string
		want  error
	}{
		{"wrong", plain, "alice", "fe", cache.ErrInvalidToken},
		{"quoted, as jq prints it", plain, "alice", `"ff"`, cache.ErrMalformedToken},
		{"0x", plain, "alice", "0xff", cache.ErrMalformedToken},
		{"space inside", plain, "alice", "f f", cache.ErrMalformedToken},
		{"257 digits", plain, "alice", strings.Repeat("f", 257), cache.ErrMalformedToken},
		{"too long for any size known only to the verifier", plain, "alice", "fff", cache.ErrInvalidToken},
		{"too long for the verifier's size", sized, "alice", "fff", cache.ErrMalformedToken},
		{"leading zeros fit", sized, "alice", "00fe", cache.ErrInvalidToken},
		{"unknown user, malformed token", plain, "bob", `"ff"`, cache.ErrNotRegistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := tt.chk.Check(context.Background(), http.Header{"X-Fixie-User": {tt.user}, "X-Fixie-Token": {tt.token}})
			assert.Equal(t, Rejected, v.Result)
			assert.Same(t, tt.want, v.Err)
		})
	}
}

func TestCheckHex(t *testing.T) {
	t.Parallel()
	for token, ok := range map[string]bool{
		"0": true, "ff": true, "FF": true, "00ff": true, strings.Repeat("a", 256): true,
		"": false, "zz": false, "0x1f": false, "-1": false, "1_f": false, " ff": false, strings.Repeat("a", 257): false,
	} {
		if ok {
			assert.NoError(t, CheckHex(token), token)
		} else {
			assert.ErrorIs(t, CheckHex(token), cache.ErrMalformedToken, token)
		}
	}
}

func TestNewNeedsSentinels(t *testing.T) {
	t.Parallel()
	_, err := New(Settings{}, Verifier{Verify: verifyAlice})
	assert.ErrorContains(t, err, "sentinel errors are not set")
}

// TestRefusalAllocations: reporting a missing credential or a malformed
// token allocates nothing: an anonymous flood costs no garbage.
func TestRefusalAllocations(t *testing.T) {
	chk, err := New(testSettings(Settings{}), Verifier{Verify: verifyAlice})
	require.NoError(t, err)
	h := http.Header{"X-Fixie-User": {"alice"}}
	var v Verdict
	allocs := testing.AllocsPerRun(100, func() { v = chk.Check(context.Background(), h) })
	assert.Equal(t, Missing, v.Result)
	assert.Zero(t, allocs, "missing")
	quoted := []string{`"ff"`}
	allocs = testing.AllocsPerRun(100, func() {
		h["X-Fixie-Token"] = quoted
		v = chk.Check(context.Background(), h)
	})
	assert.Same(t, cache.ErrMalformedToken, v.Err)
	assert.Zero(t, allocs, "malformed")
}
