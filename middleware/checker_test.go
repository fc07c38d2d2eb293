package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// newChecker returns a Checker on the fake's users for cfg.
func newChecker(t testing.TB, cfg middleware.Config) *middleware.Checker {
	t.Helper()
	chk, err := middleware.NewChecker(newUsers(), cfg)
	require.NoError(t, err)
	return chk
}

// TestCheckReadsAnyKeyCase: the decision reads an http.Header's canonical
// keys and gRPC metadata's lower-case ones alike, and takes the token out
// of either.
func TestCheckReadsAnyKeyCase(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{})
	for name, h := range map[string]map[string][]string{
		"http.Header": {"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}, "Accept": {"*/*"}},
		"metadata":    {"x-fixie-user": {"alice"}, "x-fixie-token": {aliceToken}, ":authority": {"x"}},
		"mixed case":  {"x-FIXIE-user": {"alice"}, "X-fixie-TOKEN": {aliceToken}, "Accept": {"*/*"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := chk.Check(context.Background(), h)
			assert.Equal(t, middleware.Outcome{Result: middleware.Accepted, User: "alice"}, o)
			assert.Len(t, h, 2, "the user header and the other header stay")
			for k, vs := range h {
				assert.NotContains(t, strings.ToLower(k), "token", "the token header %s is left", k)
				assert.NotContains(t, vs, aliceToken)
			}
		})
	}
	assert.Equal(t, middleware.Missing, chk.Check(context.Background(), nil).Result, "no header at all")
}

// TestCheckRefusesLookAlikes: a header that CGI, WSGI or PHP would read as
// a credential header is refused beside good credentials, in any case and
// in either key form, and is gone from the header afterwards.
func TestCheckRefusesLookAlikes(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{BasicAuth: true})
	for _, k := range []string{
		"X_Fixie_User", "X_fixie_user", "x_fixie_user", "X_FIXIE_USER", "X-Fixie_User", "x_fixie-user",
		"X_Fixie_Token", "x_fixie_token", "X-FIXIE_TOKEN", "x_fixie-token",
	} {
		for _, form := range []string{"http.Header", "metadata", "Basic"} {
			t.Run(k+"/"+form, func(t *testing.T) {
				t.Parallel()
				h := map[string][]string{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}}
				switch form {
				case "metadata":
					h = map[string][]string{"x-fixie-user": {"alice"}, "x-fixie-token": {aliceToken}}
				case "Basic":
					h = map[string][]string{"Authorization": {basic("alice", aliceToken)}}
				}
				h[k] = []string{"root"}
				o := chk.Check(context.Background(), h)
				assert.Equal(t, middleware.Rejected, o.Result)
				assert.ErrorIs(t, o.Err, middleware.ErrInvalidCredentials)
				assert.EqualError(t, o.Err, "middleware: invalid credentials: a header that reads as X-Fixie-User or X-Fixie-Token when _ is read as -")
				assert.NotContains(t, h, k, "the look-alike is still in the header")
			})
		}
	}
}

// TestCheckConfiguredUnderscore: a configured header name holding '_' is
// read as given, and its '-' spelling is the look-alike.
func TestCheckConfiguredUnderscore(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{UserHeader: "X_User"})
	o := chk.Check(context.Background(), map[string][]string{"X_user": {"alice"}, "X-Fixie-Token": {aliceToken}})
	assert.Equal(t, middleware.Accepted, o.Result)
	o = chk.Check(context.Background(), map[string][]string{"X_user": {"alice"}, "X-User": {"root"}, "X-Fixie-Token": {aliceToken}})
	assert.Equal(t, middleware.Rejected, o.Result)
	assert.ErrorContains(t, o.Err, "reads as X_user or X-Fixie-Token")
}

// TestCheckCaseVariantsAreOneHeader: keys that differ in case only are one
// header, so two of them are a repeated credential.
func TestCheckCaseVariantsAreOneHeader(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{})
	o := chk.Check(context.Background(), map[string][]string{"X-Fixie-User": {"alice"}, "x-fixie-user": {"root"}, "X-Fixie-Token": {aliceToken}})
	assert.Equal(t, middleware.Rejected, o.Result)
	assert.EqualError(t, o.Err, "middleware: invalid credentials: X-Fixie-User or X-Fixie-Token header sent more than once")
	o = chk.Check(context.Background(), map[string][]string{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}, "x-fixie-token": {aliceToken}})
	assert.Equal(t, middleware.Rejected, o.Result)
}

// TestStrip: a request let through unchecked loses its token, its
// look-alikes and a Basic Authorization header, and keeps the rest.
func TestStrip(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{BasicAuth: true})
	h := map[string][]string{
		"X-Fixie-User": {"alice"}, "X-Fixie-Token": {aliceToken}, "x-fixie-token": {aliceToken},
		"X_fixie_user": {"root"}, "X_fixie_token": {aliceToken}, "Authorization": {basic("alice", aliceToken)},
		"Accept": {"*/*"},
	}
	chk.Strip(h)
	assert.Equal(t, map[string][]string{"X-Fixie-User": {"alice"}, "Accept": {"*/*"}}, h)
	h = map[string][]string{"Authorization": {"Bearer x"}}
	chk.Strip(h)
	assert.Equal(t, map[string][]string{"Authorization": {"Bearer x"}}, h, "a foreign Authorization header is not the middleware's")
}

// TestRefuse: the answer to a refusal is challenged for a 401 only, and its
// error is the sentinel, not the reason.
func TestRefuse(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{Realm: "api", BasicAuth: true})
	failed := chk.Check(context.Background(), map[string][]string{"X-Fixie-User": {"broken"}, "X-Fixie-Token": {"1"}})
	for _, tt := range []struct {
		o             middleware.Outcome
		want          error
		wantChallenge []string
	}{
		{o: middleware.Outcome{Result: middleware.Accepted, User: "alice"}},
		{o: middleware.Outcome{Result: middleware.Skipped}},
		{o: middleware.Outcome{Result: middleware.Missing, Err: errors.New("reason")}, want: middleware.ErrMissingCredentials,
			wantChallenge: []string{`Fixie realm="api"`, `Basic realm="api", charset="UTF-8"`}},
		{o: middleware.Outcome{Result: middleware.Rejected, Err: cache.ErrNotRegistered}, want: middleware.ErrInvalidCredentials,
			wantChallenge: []string{`Fixie realm="api"`, `Basic realm="api", charset="UTF-8"`}},
		{o: failed, want: failed.Err},
	} {
		t.Run(tt.o.Result.String(), func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			err := chk.Refuse(h, tt.o)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.Same(t, tt.want, err)
			}
			assert.Equal(t, tt.wantChallenge, h.Values("WWW-Authenticate"))
		})
	}
	require.Equal(t, middleware.Failed, failed.Result)
	assert.ErrorIs(t, failed.Err, middleware.ErrVerifyFailed)
	assert.ErrorIs(t, failed.Err, errDisk)
}

// TestTimed: only a timed checker reads the clock.
func TestTimed(t *testing.T) {
	t.Parallel()
	const work = 2 * time.Millisecond
	chk, err := middleware.NewChecker(slowVerifier{work}, middleware.Config{})
	require.NoError(t, err)
	h := func() map[string][]string {
		return map[string][]string{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}}
	}
	assert.Zero(t, chk.Check(context.Background(), h()).Elapsed)
	o := chk.Timed().Check(context.Background(), h())
	assert.Equal(t, middleware.Accepted, o.Result)
	assert.GreaterOrEqual(t, o.Elapsed, work)
	assert.Zero(t, chk.Check(context.Background(), h()).Elapsed, "Timed changed the checker it was called on")
}

// TestMissingReasons: the reason for missing credentials names the headers
// the checker reads, configured or default, says which was absent or
// empty, and tells of an Authorization header it does not read.
func TestMissingReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    middleware.Config
		header map[string][]string
		want   string // the whole reason
	}{
		{"nothing", middleware.Config{}, map[string][]string{},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header"},
		{"nothing, Basic on", middleware.Config{BasicAuth: true}, map[string][]string{},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header, and no Authorization: Basic header"},
		{"no token", middleware.Config{}, map[string][]string{"X-Fixie-User": {"alice"}},
			"middleware: missing credentials: no X-Fixie-Token header"},
		{"no user", middleware.Config{}, map[string][]string{"x-fixie-token": {"ff"}},
			"middleware: missing credentials: no X-Fixie-User header"},
		{"empty token", middleware.Config{}, map[string][]string{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {""}},
			"middleware: missing credentials: an empty X-Fixie-Token header"},
		{"empty user, no token", middleware.Config{}, map[string][]string{"X-Fixie-User": {""}},
			"middleware: missing credentials: an empty X-Fixie-User header and no X-Fixie-Token header"},
		{"configured headers", middleware.Config{UserHeader: "x-api-user", TokenHeader: "X-Api-Key"}, map[string][]string{"X-Fixie-User": {"alice"}, "X-Fixie-Token": {"ff"}},
			"middleware: missing credentials: no X-Api-User or X-Api-Key header"},
		{"Basic while BasicAuth is off", middleware.Config{}, map[string][]string{"Authorization": {basic("alice", "ff")}},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header; an Authorization header came, but Basic credentials are read only with BasicAuth on"},
		{"Bearer while BasicAuth is off", middleware.Config{}, map[string][]string{"X-Fixie-User": {"alice"}, "authorization": {"Bearer ff"}},
			"middleware: missing credentials: no X-Fixie-Token header; an Authorization header came, but Basic credentials are read only with BasicAuth on"},
		{"Bearer while BasicAuth is on", middleware.Config{BasicAuth: true}, map[string][]string{"Authorization": {"Bearer ff"}},
			"middleware: missing credentials: no X-Fixie-User or X-Fixie-Token header; an Authorization header came, but not of the Basic scheme"},
		{"Basic without a token", middleware.Config{BasicAuth: true}, map[string][]string{"Authorization": {basic("alice", "")}},
			"middleware: missing credentials: Basic credentials with an empty token (the password)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := newChecker(t, tt.cfg).Check(context.Background(), tt.header)
			assert.Equal(t, middleware.Missing, o.Result)
			assert.ErrorIs(t, o.Err, middleware.ErrMissingCredentials)
			assert.EqualError(t, o.Err, tt.want)
		})
	}
}

// TestBasicRefusals: Basic credentials that cannot be read are refused,
// and a Basic header beside other Authorization values is ambiguous.
func TestBasicRefusals(t *testing.T) {
	t.Parallel()
	chk := newChecker(t, middleware.Config{BasicAuth: true})
	for name, h := range map[string]map[string][]string{
		"not base64":       {"Authorization": {"Basic %%%"}},
		"no colon":         {"Authorization": {"Basic YWxpY2U="}},
		"two values":       {"Authorization": {"Bearer x", basic("alice", aliceToken)}},
		"two keys":         {"Authorization": {basic("alice", aliceToken)}, "authorization": {"Bearer x"}},
		"scheme only":      {"Authorization": {"Basic "}},
		"lower-case basic": {"Authorization": {"basic %%%"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := chk.Check(context.Background(), h)
			assert.Equal(t, middleware.Rejected, o.Result)
			assert.True(t, o.Basic)
			assert.EqualError(t, o.Err, "middleware: invalid credentials: Authorization: Basic header that is not one base64 user:token")
			assert.Empty(t, h["Authorization"], "a Basic credential was left in the header")
		})
	}
	o := chk.Check(context.Background(), map[string][]string{"Authorization": {"bAsIc " + basic("a:b", aliceToken)[len("Basic "):]}})
	assert.Equal(t, middleware.Outcome{Result: middleware.Rejected, User: "a:b", Basic: true, Err: cache.ErrNotRegistered}, o,
		"a lower-case scheme is read, and the split is at the last colon")
}

// TestMalformedReason: a token that cannot be anyone's is reported as
// malformed, not as wrong, by the verifier's own CheckToken; an unknown
// name stays the reason for an unknown user.
func TestMalformedReason(t *testing.T) {
	t.Parallel()
	c, err := cache.New(filepath.Join(t.TempDir(), "creds"), cache.WithWatch(false), cache.WithNBytes(1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	wrong := "00"
	if token == wrong {
		wrong = "01"
	}
	sized, err := middleware.NewChecker(c, middleware.Config{})
	require.NoError(t, err)
	plain := newChecker(t, middleware.Config{})
	tests := []struct {
		name  string
		chk   *middleware.Checker
		user  string
		token string
		want  error
	}{
		{"wrong", sized, "alice", wrong, cache.ErrInvalidToken},
		{"quoted, as jq prints it", sized, "alice", `"` + token + `"`, cache.ErrMalformedToken},
		{"0x", sized, "alice", "0x" + token, cache.ErrMalformedToken},
		{"too long for the cache's size", sized, "alice", "fff", cache.ErrMalformedToken},
		{"leading zeros fit", sized, "alice", "00" + wrong, cache.ErrInvalidToken},
		{"unknown user, malformed token", sized, "bob", `"ff"`, cache.ErrNotRegistered},
		{"space inside, any verifier", plain, "alice", "f f", cache.ErrMalformedToken},
		{"257 digits, any verifier", plain, "alice", strings.Repeat("f", 257), cache.ErrMalformedToken},
		{"a size known only to the verifier", plain, "alice", "fff", cache.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.chk.Check(context.Background(), map[string][]string{"X-Fixie-User": {tt.user}, "X-Fixie-Token": {tt.token}})
			assert.Equal(t, middleware.Rejected, o.Result)
			assert.Same(t, tt.want, o.Err)
		})
	}
}

func TestVerifierFuncCheckToken(t *testing.T) {
	t.Parallel()
	for token, ok := range map[string]bool{
		"0": true, "ff": true, "FF": true, "00ff": true, strings.Repeat("a", 256): true,
		"": false, "zz": false, "0x1f": false, "-1": false, "1_f": false, " ff": false, strings.Repeat("a", 257): false,
	} {
		if ok {
			assert.NoError(t, anyToken.CheckToken(token), token)
		} else {
			assert.Same(t, cache.ErrMalformedToken, anyToken.CheckToken(token), token)
		}
	}
}

// TestCheckAllocations pins the allocation budget: none to check a good
// request, one to hand its user on, none to refuse a missing credential,
// a malformed token or a look-alike, so that an anonymous flood costs no
// garbage.
func TestCheckAllocations(t *testing.T) {
	chk := newChecker(t, middleware.Config{})
	ctx := context.Background()
	h := http.Header{"X-Fixie-User": {"alice"}, "Accept": {"*/*"}, "User-Agent": {"test"}}
	token := []string{aliceToken}
	var o middleware.Outcome
	allocs := testing.AllocsPerRun(100, func() {
		h["X-Fixie-Token"] = token // Check deletes it
		o = chk.Check(ctx, h)
	})
	assert.Equal(t, middleware.Accepted, o.Result)
	assert.Zero(t, allocs, "accepted")

	req, err := http.NewRequest(http.MethodGet, "/", nil)
	require.NoError(t, err)
	req.Header = h
	var next *http.Request
	allocs = testing.AllocsPerRun(100, func() {
		h["X-Fixie-Token"] = token
		o, next = chk.CheckRequest(req, false)
	})
	require.NotNil(t, next)
	assert.Equal(t, 1.0, allocs, "CheckRequest: the request copy carrying the user")
	user, ok := middleware.UserFromContext(next.Context())
	assert.True(t, ok)
	assert.Equal(t, "alice", user)
	_, ok = middleware.UserFromContext(req.Context())
	assert.False(t, ok, "CheckRequest changed the original request")

	allocs = testing.AllocsPerRun(100, func() { o = chk.Check(ctx, h) })
	assert.Equal(t, middleware.Missing, o.Result)
	assert.Zero(t, allocs, "missing")
	quoted := []string{`"` + aliceToken + `"`}
	allocs = testing.AllocsPerRun(100, func() {
		h["X-Fixie-Token"] = quoted
		o = chk.Check(ctx, h)
	})
	assert.Same(t, cache.ErrMalformedToken, o.Err)
	assert.Zero(t, allocs, "malformed")
	root := []string{"root"}
	allocs = testing.AllocsPerRun(100, func() {
		h["X-Fixie-Token"], h["X_fixie_user"] = token, root
		o = chk.Check(ctx, h)
	})
	assert.Equal(t, middleware.Rejected, o.Result)
	assert.Zero(t, allocs, "look-alike")
	rh := http.Header{}
	allocs = testing.AllocsPerRun(100, func() { _ = chk.Refuse(rh, o) })
	assert.Zero(t, allocs, "Refuse")
}

// BenchmarkCheck measures reading, removing and classifying the
// credentials of a request with a browser's count of headers around the
// cache's verification, so that the decision's own share shows.
func BenchmarkCheck(b *testing.B) {
	c, token := benchCache(b)
	chk, err := middleware.NewChecker(c, middleware.Config{})
	require.NoError(b, err)
	h := http.Header{"X-Fixie-User": {"alice"}}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Connection", "Cookie", "Referer", "User-Agent"} {
		h[k] = []string{"x"}
	}
	tokenValue := []string{token}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h["X-Fixie-Token"] = tokenValue
		if o := chk.Check(ctx, h); o.Result != middleware.Accepted {
			b.Fatal(o.Result)
		}
	}
}
