package authn

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTakeBasic(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name                  string
		values                []string
		wantUser, wantToken   string
		wantFound, wantOK     bool
		wantAuthorizationGone bool
	}{
		{name: "absent"},
		{name: "bearer is left alone", values: []string{"Bearer x"}},
		{name: "basic", values: []string{"Basic " + enc("alice:ff")}, wantUser: "alice", wantToken: "ff", wantFound: true, wantOK: true, wantAuthorizationGone: true},
		{name: "lower-case scheme", values: []string{"basic " + enc("alice:ff")}, wantUser: "alice", wantToken: "ff", wantFound: true, wantOK: true, wantAuthorizationGone: true},
		{name: "colon in user", values: []string{"Basic " + enc("a:b:ff")}, wantUser: "a:b", wantToken: "ff", wantFound: true, wantOK: true, wantAuthorizationGone: true},
		{name: "no colon", values: []string{"Basic " + enc("alice")}, wantFound: true, wantAuthorizationGone: true},
		{name: "not base64", values: []string{"Basic %%%"}, wantFound: true, wantAuthorizationGone: true},
		{name: "scheme only", values: []string{"Basic "}, wantFound: true, wantAuthorizationGone: true},
		{name: "two values", values: []string{"Bearer x", "Basic " + enc("alice:ff")}, wantFound: true, wantAuthorizationGone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.values != nil {
				h["Authorization"] = tt.values
			}
			user, token, found, ok := takeBasic(h)
			assert.Equal(t, tt.wantUser, user)
			assert.Equal(t, tt.wantToken, token)
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantOK, ok)
			_, present := h["Authorization"]
			assert.Equal(t, tt.wantAuthorizationGone, !present && tt.values != nil)
		})
	}
}

func TestValidFieldNameAndRealm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s          string
		name, real bool
	}{
		{s: "X-Fixie-User", name: true, real: true},
		{s: "x_api.key~1", name: true, real: true},
		{s: "", name: false, real: false},
		{s: "two words", name: false, real: true},
		{s: "colon:", name: false, real: true},
		{s: `quo"te`, name: false, real: false},
		{s: `back\slash`, name: false, real: false},
		{s: "tab\t", name: false, real: false},
		{s: "ü", name: false, real: false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.name, validFieldName(tt.s), "field name")
			assert.Equal(t, tt.real, validRealm(tt.s), "realm")
		})
	}
}

func TestChallengeIsClipped(t *testing.T) {
	t.Parallel()
	for _, basic := range []bool{false, true} {
		c := challenge("r", basic)
		assert.Equal(t, len(c), cap(c))
	}
}

// TestHotPathAllocations pins the allocation budget of a verified request:
// none in Check, one in WithUser, and so one in Decide.
func TestHotPathAllocations(t *testing.T) {
	chk, err := New(testSettings(Settings{UserHeader: "X-Fixie-User", TokenHeader: "X-Fixie-Token", Realm: "fixie"}), Verifier{Verify: func(context.Context, string, string) (bool, error) { return true, nil }})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header["X-Fixie-User"] = []string{"alice"}
	token := []string{"ff"}
	var v Verdict
	check := testing.AllocsPerRun(100, func() {
		req.Header["X-Fixie-Token"] = token // Check deletes it
		v = chk.Check(req.Context(), req.Header)
	})
	assert.Equal(t, Accepted, v.Result)
	assert.Zero(t, check, "allocations in Check")

	with := testing.AllocsPerRun(100, func() { _ = WithUser(req, "alice") })
	assert.Equal(t, 1.0, with, "allocations in WithUser")

	var d Decision
	decide := testing.AllocsPerRun(100, func() {
		req.Header["X-Fixie-Token"] = token
		d = chk.Decide(req, false)
	})
	assert.Equal(t, Accepted, d.Result)
	assert.Equal(t, 1.0, decide, "allocations in Decide: WithUser's only")

	r2 := WithUser(req, "alice")
	got, ok := User(r2.Context())
	assert.True(t, ok)
	assert.Equal(t, "alice", got)
	_, ok = User(req.Context())
	assert.False(t, ok, "WithUser changed the original request")
}

func FuzzTakeBasic(f *testing.F) {
	for _, seed := range []string{
		"Basic YWxpY2U6ZmY=", "basic YWxpY2U6ZmY=", "Basic ", "Basic !!!", "Bearer x",
		"Basic " + base64.StdEncoding.EncodeToString([]byte("a:b:c")), "Basic Og==", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h := http.Header{"Authorization": {value}}
		user, token, found, ok := takeBasic(h)
		if found != isBasic(value) {
			t.Fatalf("found=%v for %q", found, value)
		}
		if found && len(h["Authorization"]) != 0 {
			t.Fatalf("a Basic credential was left in the header")
		}
		if !found && len(h["Authorization"]) != 1 {
			t.Fatalf("a foreign Authorization header was removed")
		}
		if !ok && (user != "" || token != "") {
			t.Fatalf("credentials %q:%q returned with ok=false", user, token)
		}
		if ok && strings.Contains(token, ":") {
			t.Fatalf("token %q holds a colon", token)
		}
	})
}
