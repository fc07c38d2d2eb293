package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// brokenRegistry fails every operation as a cache whose disk is gone would,
// and puts a token-like string into its errors to prove answers never show
// them.
type brokenRegistry struct{}

var errBroken = errors.New("cache: open /creds/alice.json: input/output error ff00ff")

func (brokenRegistry) RegisterContext(context.Context, string, string, ...cache.TokenOption) (string, error) {
	return "", errBroken
}
func (brokenRegistry) VerifyContext(context.Context, string, string) (bool, error) {
	return false, errBroken
}
func (brokenRegistry) DeregisterContext(context.Context, string, string) error { return errBroken }
func (brokenRegistry) ResetContext(context.Context, string, string, ...cache.TokenOption) (string, error) {
	return "", errBroken
}
func (brokenRegistry) Users() ([]string, error) { return nil, errBroken }

// TestServiceCouldNotComplete shows that a failure of the cache is a 500
// that does not say why, and a line at ERROR that does, with the user
// name and never the token or the email.
func TestServiceCouldNotComplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, body, want, log string
	}{
		{"/register", `{"user":"alice","email":"a@example.org"}`, `{"message":"Register could not complete"}`, "Register"},
		{"/verify", `{"user":"alice","token":"ff00ff"}`, `{"message":"Verify could not complete"}`, "Verify"},
		{"/deregister", `{"user":"alice","token":"ff00ff"}`, `{"message":"Deregister could not complete"}`, "Deregister"},
		{"/reset", `{"user":"alice","email":"a@example.org"}`, `{"message":"Reset could not complete"}`, "Reset"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			var logBuf bytes.Buffer
			s, err := newService(brokenRegistry{}, HandlerConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
			require.NoError(t, err)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(tt.body)))
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, tt.want, rec.Body.String())
			line := logBuf.String()
			assert.Contains(t, line, `level=ERROR msg="httpapi: `+tt.log+` could not complete" user=alice err="cache: open /creds/alice.json: input/output error ff00ff"`)
			assert.NotContains(t, line, "a@example.org")
		})
	}
}

// TestServiceLogsNamesBounded shows that a huge or tricky user name goes
// into the log cut short and escaped.
func TestServiceLogsNamesBounded(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	s, err := newService(brokenRegistry{}, HandlerConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	require.NoError(t, err)
	for _, user := range []string{strings.Repeat("\u200b", 20_000), "bob \u202e x=y"} {
		logBuf.Reset()
		body := `{"user":"` + user + `","token":"ff"}`
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(body)))
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		line := logBuf.String()
		assert.Less(t, len(line), 500, line)
		assert.NotContains(t, line, "\u200b")
		assert.NotContains(t, line, "\u202e")
	}
	// The handler quotes what the escaping made of the name.
	assert.Contains(t, logBuf.String(), `user="bob \\u202e x=y"`)
}

// TestServiceFailureLogBounded shows that clients cannot grow the log by
// repeating a request that fails (a broken record, a store out of reach):
// a few lines at once, then one a second, the next one saying how many
// were held back, while every answer stays a 500.
func TestServiceFailureLogBounded(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	s, err := newService(brokenRegistry{}, HandlerConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	require.NoError(t, err)
	now := time.Unix(1_000_000, 0)
	s.now = func() time.Time { return now }
	verify := func() {
		t.Helper()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(`{"user":"alice","token":"ff"}`)))
		require.Equal(t, http.StatusInternalServerError, rec.Code)
	}
	for range 1000 {
		verify()
	}
	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	assert.Equal(t, failureLogBurst, len(lines), "a burst, then nothing more at once")

	logBuf.Reset()
	now = now.Add(failureLogEvery)
	verify()
	verify()
	lines = strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	require.Equal(t, 1, len(lines), "one more line once the period has passed")
	assert.Contains(t, lines[0], fmt.Sprintf("held_back=%d", 1000-failureLogBurst))
}

// goneRegistry fails as a store does when the request's context ends
// before it answers: the client went away.
type goneRegistry struct{ brokenRegistry }

func (goneRegistry) VerifyContext(ctx context.Context, user, _ string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("etcdstore: reading record of %q: %w", user, err)
	}
	return false, errBroken
}

// TestServiceClientGoneIsNoFailure shows that a client that goes away
// before its operation completes is not logged as a failure of the
// service, at ERROR, nor spends what the log of real failures allows.
func TestServiceClientGoneIsNoFailure(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	s, err := newService(goneRegistry{}, HandlerConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	require.NoError(t, err)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for range 100 {
		req := httptest.NewRequestWithContext(gone, http.MethodPost, "/verify", strings.NewReader(`{"user":"alice","token":"ff"}`))
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	assert.Empty(t, logBuf.String(), "a client that went away is no failure of the service")

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(`{"user":"alice","token":"ff"}`)))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	line := logBuf.String()
	assert.Contains(t, line, `level=ERROR msg="httpapi: Verify could not complete" user=alice`)
	assert.NotContains(t, line, "held_back", "nothing was held back")
}

func TestLogName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"alice", "alice"},
		{"名前", `\u540d\u524d`},
		{"cafe\u0301", `cafe\u0301`},
		{"bob\u200b", `bob\u200b`},
		{`a\b`, `a\\b`},
		{strings.Repeat("a", 100), strings.Repeat("a", 64) + "..."},
		{strings.Repeat("a", 63) + "é", strings.Repeat("a", 63) + "..."},
	} {
		assert.Equal(t, tt.want, logName(tt.in), "%q", tt.in)
	}
}

func TestBodies(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `{"message":"m"}`, string(messageBody("m")))
	assert.Equal(t, `{"message":"m","status":false}`, string(statusBody("m", false)))
	assert.Equal(t, `{"message":"m","status":true,"verified":false}`, string(verifyBody("m", true, false)))
	assert.Equal(t, `{"status":true,"token":"ab"}`, string(tokenBody("ab")))
	assert.Equal(t, `{"message":"m","status":false,"token":"<not-a-token>"}`, string(noTokenBody("m")))
}

func FuzzDecodeInput(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"user":"a","token":"ff"}`, `{"user":1}`, `{"user":"a","x":1}`,
		`{"user":"\u0000","token":""}`, "{\"user\":\"\xff\"}", `{"user":"a","user":"b","token":"1"}`,
		` {"token" : "ff" , "user":"alice"}` + "\n", `{"token":"ff","user":"a\/b"}`, `{"token":"ff","user":"\ud800"}`,
		`{"token":"ff","user":"a","expires_in":3600}`, `{"token":"ff","user":"a","expires_in":0}`,
		`{"token":"ff","user":"a","expires_in":1.5}`, `{"token":"ff","user":"a","expires_in":"60"}`,
		`{"token":"ff","user":"a","expires_in": 9223372037 }`,
	} {
		f.Add([]byte(seed))
	}
	names, seconds := []string{"token", "user"}, []string{"expires_in"}
	f.Fuzz(func(t *testing.T, body []byte) {
		if fast, ok := scanInput(body, names); ok {
			strict, durs, err := decodeStrict(body, names, seconds)
			if err != nil || !slices.Equal(fast, strict) || durs[0] != 0 {
				t.Fatalf("%q read in one pass as %q; strictly as %q, %v, %+v", body, fast, strict, durs, err)
			}
		}
		vals, durs, err := decodeInput(body, names, seconds)
		if err != nil {
			if vals != nil || durs != nil {
				t.Fatalf("values %q, %v with error %+v", vals, durs, err)
			}
			return
		}
		if len(durs) != 1 || durs[0] < 0 || durs[0]%time.Second != 0 {
			t.Fatalf("durations %v", durs)
		}
		if len(vals) != len(names) {
			t.Fatalf("got %d values, want %d", len(vals), len(names))
		}
		for i, v := range vals {
			if v == "" {
				t.Fatalf("empty %s accepted", names[i])
			}
		}
	})
}

// ctxKey marks the request context that ctxRegistry must be handed.
type ctxKey struct{}

// ctxRegistry records the value each call's context carries under ctxKey.
type ctxRegistry struct{ seen []any }

func (r *ctxRegistry) RegisterContext(ctx context.Context, _, _ string, _ ...cache.TokenOption) (string, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return "ff", nil
}
func (r *ctxRegistry) VerifyContext(ctx context.Context, _, _ string) (bool, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return true, nil
}
func (r *ctxRegistry) DeregisterContext(ctx context.Context, _, _ string) error {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return nil
}
func (r *ctxRegistry) ResetContext(ctx context.Context, _, _ string, _ ...cache.TokenOption) (string, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return "ff", nil
}
func (r *ctxRegistry) Users() ([]string, error) { return nil, nil }

// TestServicePassesRequestContext checks that every operation runs under
// the request's context, so that a client that goes away stops it.
func TestServicePassesRequestContext(t *testing.T) {
	t.Parallel()
	reg := &ctxRegistry{}
	s, err := newService(reg, HandlerConfig{})
	require.NoError(t, err)
	for _, tc := range []struct{ path, body string }{
		{"/register", `{"user":"alice","email":"a@example.org"}`},
		{"/verify", `{"user":"alice","token":"ff"}`},
		{"/deregister", `{"user":"alice","token":"ff"}`},
		{"/reset", `{"user":"alice","email":"a@example.org"}`},
	} {
		req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
		req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, tc.path))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, tc.path)
	}
	assert.Equal(t, []any{"/register", "/verify", "/deregister", "/reset"}, reg.seen)
}

func TestLogText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"alice", 64, "alice"},
		{"zero\u200bwidth", 64, `zero\u200bwidth`},
		{"nul\x00", 64, `nul\x00`},
		{"名前", 64, `\u540d\u524d`},
		{strings.Repeat("a", 10), 8, "aaaaaaaa..."},
		{"aaaaaaa名", 8, "aaaaaaa..."}, // cut before the character, not in it
	} {
		assert.Equal(t, tc.want, LogText(tc.in, tc.limit), "%q", tc.in)
	}
}
