package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// expire rewrites user's record so that its token expired a day ago, as
// an administrator's tool or another server's clock might have it, and
// waits until c has seen the change.
func expire(t *testing.T, c *cache.Cache, user, token string) {
	t.Helper()
	u, err := c.LoadUser(user)
	require.NoError(t, err)
	file, err := c.UserCredFile(user)
	require.NoError(t, err)
	day := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	rec := `{"email":"` + u.Email + `","expires":"` + day + `","hashed_token":"` + u.HashedToken + `","user":"` + user + `"}`
	require.NoError(t, os.WriteFile(file, []byte(rec), 0o600))
	require.Eventually(t, func() bool {
		_, err := c.Verify(user, token)
		return errors.Is(err, cache.ErrTokenExpired)
	}, 10*time.Second, time.Millisecond)
}

func TestHandlerExpiry(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	code, answer := post(t, h, "/register", `{"user":"alice","email":"a@b.org","expires_in":2592000}`)
	require.Equal(t, http.StatusOK, code)
	token := tokenOf(t, answer)
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), u.Expires, 2*time.Second, "30 days")
	_, answer = post(t, h, "/verify", `{"user":"alice","token":"`+token+`"}`)
	assert.Equal(t, `{"message":"User verified","status":true,"verified":true}`, answer)

	expire(t, c, "alice", token)
	code, answer = post(t, h, "/verify", `{"user":"alice","token":"`+token+`"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"message":"Token expired for user alice","status":true,"verified":false}`, answer)
	_, answer = post(t, h, "/verify", `{"user":"alice","token":"ff"}`)
	assert.Equal(t, `{"message":"Invalid token for user alice","status":true,"verified":false}`, answer, "a wrong token is still just wrong")
	_, answer = post(t, h, "/deregister", `{"user":"alice","token":"`+token+`"}`)
	assert.Equal(t, `{"message":"Token expired for user alice","status":false}`, answer)

	// A reset with a day's overlap: both work, the record says until when.
	code, answer = post(t, h, "/reset", `{"user":"alice","email":"a@b.org"}`)
	require.Equal(t, http.StatusOK, code)
	old := tokenOf(t, answer)
	code, answer = post(t, h, "/reset", `{"user":"alice","email":"a@b.org","expires_in":2592000,"keep_previous":86400}`)
	require.Equal(t, http.StatusOK, code)
	next := tokenOf(t, answer)
	for _, tok := range []string{old, next} {
		_, answer = post(t, h, "/verify", `{"user":"alice","token":"`+tok+`"}`)
		assert.Equal(t, `{"message":"User verified","status":true,"verified":true}`, answer)
	}
	u, err = c.LoadUser("alice")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), u.PreviousExpires, 2*time.Second)
	_, answer = post(t, h, "/deregister", `{"user":"alice","token":"`+old+`"}`)
	assert.Equal(t, `{"message":"Invalid token for user alice","status":false}`, answer, "deregister needs the current token")
}

func TestHandlerExpiryBadInput(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	_, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	const seconds = `must be a whole number of seconds, from 1 to 9223372036"}`
	for _, tc := range []struct{ path, body, want string }{
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":0}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":-60}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":1.5}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":1e3}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":"60"}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":null}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","expires_in":9223372037}`, `{"message":"Input to Register is not valid: field \"expires_in\" ` + seconds},
		{"/register", `{"user":"bob","email":"b@b.org","keep_previous":60}`, `{"message":"Input to Register is not valid: unknown field \"keep_previous\""}`},
		{"/reset", `{"user":"alice","email":"a@b.org","keep_previous":0}`, `{"message":"Input to Reset is not valid: field \"keep_previous\" ` + seconds},
		{"/reset", `{"user":"alice","email":"a@b.org","expires_in":60,"expires_in":60}`, `{"message":"Input to Reset is not valid: duplicate field"}`},
		{"/verify", `{"user":"alice","token":"ff","expires_in":60}`, `{"message":"Input to Verify is not valid: unknown field \"expires_in\""}`},
		{"/deregister", `{"user":"alice","token":"ff","keep_previous":60}`, `{"message":"Input to Deregister is not valid: unknown field \"keep_previous\""}`},
	} {
		code, answer := post(t, h, tc.path, tc.body)
		assert.Equal(t, http.StatusBadRequest, code, tc.body)
		assert.Equal(t, tc.want, answer, tc.body)
	}
	exists, err := c.UserExists("bob")
	require.NoError(t, err)
	assert.False(t, exists, "a refused request registered bob")

	code, answer := post(t, h, "/register", ` {"expires_in" : 1 ,"user":"bob","email":"b@b.org"}`)
	require.Equal(t, http.StatusOK, code, answer)
	u, err := c.LoadUser("bob")
	require.NoError(t, err)
	assert.False(t, u.Expires.IsZero())
}

func TestClientTokenExpired(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	token, err := c.Register("alice", "a@b.org", cache.ExpiresAfter(time.Hour))
	require.NoError(t, err)
	client, err := httpapi.NewClient(srv.URL, httpapi.ClientConfig{TTL: -1})
	require.NoError(t, err)
	ok, err := client.Verify("alice", token)
	require.NoError(t, err)
	require.True(t, ok)
	expire(t, c, "alice", token)
	ok, err = client.Verify("alice", token)
	assert.False(t, ok)
	assert.ErrorIs(t, err, cache.ErrTokenExpired)
	ok, err = client.Verify("alice", "ff")
	assert.False(t, ok)
	assert.NoError(t, err, "a wrong token")
}

// auditRecorder is an OnAudit hook that keeps what it is given.
type auditRecorder struct {
	mu     sync.Mutex
	events []httpapi.AuditEvent
	addrs  []string
	fail   error
}

func (a *auditRecorder) record(ctx context.Context, e httpapi.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	addr, _ := httpapi.ClientAddr(ctx)
	a.events, a.addrs = append(a.events, e), append(a.addrs, addr)
	return nil
}

// take returns the events recorded since the last take.
func (a *auditRecorder) take() []httpapi.AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.events
	a.events = nil
	return e
}

// TestHandlerAudit: each operation that reaches the cache leaves exactly
// one event, accepted or refused, with the client's address and the
// expiries; requests refused before leave none; no event holds a token
// or a hash.
func TestHandlerAudit(t *testing.T) {
	t.Parallel()
	rec := &auditRecorder{}
	c := newCache(t)
	cfg := unlimited
	cfg.OnAudit = rec.record
	cfg.ResetUserLimit = httpapi.Limit{Requests: 8, Per: time.Hour}
	h := httpapi.HandlerWithConfig(c, cfg)
	var issued []string // every token the test saw, and their hashes
	send := func(path, body string) string {
		t.Helper()
		code, answer := post(t, h, path, body)
		if code == http.StatusOK && strings.Contains(answer, `"status":true,"token"`) {
			tok := tokenOf(t, answer)
			hash, err := c.HashToken(tok)
			require.NoError(t, err)
			issued = append(issued, tok, hash)
		}
		return answer
	}
	one := func(op, user, outcome string) httpapi.AuditEvent {
		t.Helper()
		events := rec.take()
		require.Len(t, events, 1, "%s %s: %+v", op, outcome, events)
		e := events[0]
		assert.Equal(t, op, e.Operation)
		assert.Equal(t, user, e.User)
		assert.Equal(t, outcome, e.Outcome)
		assert.WithinDuration(t, time.Now(), e.Time, 10*time.Second)
		return e
	}

	send("/register", `{"user":"alice","email":"a@b.org","expires_in":3600}`)
	e := one(httpapi.AuditRegister, "alice", httpapi.AuditOK)
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	assert.Equal(t, u.Expires, e.Expires, "the exact expiry written")
	send("/register", `{"user":"alice","email":"a@b.org"}`)
	one(httpapi.AuditRegister, "alice", httpapi.AuditAlreadyRegistered)
	send("/register", `{"user":"al ice","email":"a@b.org"}`)
	one(httpapi.AuditRegister, "al ice", httpapi.AuditInvalidUser)
	send("/register", `{"user":"bob","email":"not an address"}`)
	one(httpapi.AuditRegister, "bob", httpapi.AuditInvalidEmail)

	alice := issued[0]
	send("/reset", `{"user":"alice","email":"a@b.org","keep_previous":86400,"expires_in":7200}`)
	e = one(httpapi.AuditReset, "alice", httpapi.AuditOK)
	u, err = c.LoadUser("alice")
	require.NoError(t, err)
	assert.Equal(t, u.Expires, e.Expires)
	assert.Equal(t, u.PreviousExpires, e.PreviousExpires)
	assert.False(t, e.PreviousExpires.IsZero())
	send("/reset", `{"user":"alice","email":"b@b.org"}`)
	one(httpapi.AuditReset, "alice", httpapi.AuditEmailMismatch)
	send("/reset", `{"user":"carol","email":"c@b.org"}`)
	one(httpapi.AuditReset, "carol", httpapi.AuditNotRegistered)

	send("/deregister", `{"user":"alice","token":"`+alice+`"}`)
	one(httpapi.AuditDeregister, "alice", httpapi.AuditInvalidToken) // the kept token is not the current one
	send("/deregister", `{"user":"carol","token":"ff"}`)
	one(httpapi.AuditDeregister, "carol", httpapi.AuditNotRegistered)
	expire(t, c, "alice", issued[2])
	send("/deregister", `{"user":"alice","token":"`+issued[2]+`"}`)
	one(httpapi.AuditDeregister, "alice", httpapi.AuditTokenExpired)
	send("/reset", `{"user":"alice","email":"a@b.org"}`)
	e = one(httpapi.AuditReset, "alice", httpapi.AuditOK)
	assert.True(t, e.Expires.IsZero() && e.PreviousExpires.IsZero(), "a plain reset: no expiry")
	send("/deregister", `{"user":"alice","token":"`+issued[len(issued)-2]+`"}`)
	e = one(httpapi.AuditDeregister, "alice", httpapi.AuditOK)
	assert.True(t, e.Expires.IsZero())

	// Refused before the operation: no event.
	for _, r := range []struct{ path, body string }{
		{"/register", `{"user":"dave"`},
		{"/register", `{"user":"dave","email":"d@b.org","x":1}`},
		{"/register", `{"user":"dave","email":"d@b.org","expires_in":0}`},
		{"/deregister", `{"user":"dave","token":"not hex"}`},
		{"/register", `{"user":"dave","email":"` + strings.Repeat("x", httpapi.MaxRequestBody) + `"}`},
		{"/verify", `{"user":"bob","token":"ff"}`},
	} {
		send(r.path, r.body)
	}
	assert.Empty(t, rec.take(), "malformed, too large and verify requests")
	for range 10 {
		send("/reset", `{"user":"bob","email":"b@b.org"}`) // bob has a per-user bucket of 8
	}
	assert.Len(t, rec.take(), 8, "429s leave no event")

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, addr := range rec.addrs {
		assert.Equal(t, "192.0.2.1", addr, "httptest's client address, without the port")
	}
	all := fmt.Sprintf("%+v %v", rec.events, rec.addrs)
	for _, secret := range issued {
		assert.NotContains(t, all, secret)
		assert.NotContains(t, all, strings.ToUpper(secret))
	}
}

// TestHandlerAuditFailure: when the event cannot be recorded the answer
// is 500 and the failure is logged at ERROR; the client address set by a
// handler in front of the service is the one recorded.
func TestHandlerAuditFailure(t *testing.T) {
	t.Parallel()
	rec := &auditRecorder{fail: errors.New("write audit.log: no space left on device")}
	var logged bytes.Buffer
	var mu sync.Mutex
	c := newCache(t)
	cfg := unlimited
	cfg.OnAudit = rec.record
	cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logged, mu: &mu}, nil))
	h := httpapi.HandlerWithConfig(c, cfg)

	code, answer := post(t, h, "/register", `{"user":"alice","email":"a@b.org"}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, `{"message":"Register could not complete"}`, answer)
	code, answer = post(t, h, "/reset", `{"user":"alice","email":"a@b.org"}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, `{"message":"Reset could not complete"}`, answer)
	code, answer = post(t, h, "/deregister", `{"user":"alice","token":"ff"}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, `{"message":"Deregister could not complete"}`, answer)
	code, _ = post(t, h, "/verify", `{"user":"alice","token":"ff"}`)
	assert.Equal(t, http.StatusOK, code, "verify writes no event")
	mu.Lock()
	log := logged.String()
	mu.Unlock()
	assert.Contains(t, log, `level=ERROR msg="httpapi: Register could not complete" user=alice err="httpapi: audit trail: write audit.log: no space left on device"`)
	assert.Equal(t, 3, strings.Count(log, "level=ERROR"), log)

	rec.fail = nil
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(httpapi.WithClientAddr(r.Context(), "203.0.113.9")))
	})
	post(t, front, "/register", `{"user":"bob","email":"b@b.org"}`)
	assert.Equal(t, []string{"203.0.113.9"}, rec.addrs)
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNewAuditEvent(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	issued := cache.User{User: "ci", HashedToken: strings.Repeat("a", 64), Expires: at.Add(time.Hour),
		PreviousHashedToken: strings.Repeat("b", 64), PreviousExpires: at.Add(time.Minute)}
	for _, tc := range []struct {
		err     error
		outcome string
	}{
		{nil, httpapi.AuditOK},
		{fmt.Errorf("%w: %q", cache.ErrAlreadyRegistered, "a"), httpapi.AuditAlreadyRegistered},
		{cache.ErrEmailMismatch, httpapi.AuditEmailMismatch},
		{cache.ErrInvalidToken, httpapi.AuditInvalidToken},
		{cache.ErrMalformedToken, httpapi.AuditInvalidToken},
		{cache.ErrTokenExpired, httpapi.AuditTokenExpired},
		{cache.ErrNotRegistered, httpapi.AuditNotRegistered},
		{cache.ErrInvalidUser, httpapi.AuditInvalidUser},
		{cache.ErrInvalidEmail, httpapi.AuditInvalidEmail},
	} {
		e, ok := httpapi.NewAuditEvent(at, httpapi.AuditReset, "ci", tc.err, issued)
		require.True(t, ok, "%v", tc.err)
		want := httpapi.AuditEvent{Time: at, Operation: httpapi.AuditReset, User: "ci", Outcome: tc.outcome}
		if tc.err == nil {
			want.Expires, want.PreviousExpires = issued.Expires, issued.PreviousExpires
		}
		assert.Equal(t, want, e, "%v", tc.err)
	}
	for _, err := range []error{errors.New("disk on fire"), context.Canceled, cache.ErrClosed} {
		_, ok := httpapi.NewAuditEvent(at, httpapi.AuditReset, "ci", err, issued)
		assert.False(t, ok, "%v makes no event", err)
	}
}
