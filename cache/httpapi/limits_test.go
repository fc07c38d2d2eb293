package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// postFrom sends body to path on h as the client at remote, with the
// given headers, and returns the answer.
func postFrom(h http.Handler, remote, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func registerBody(user string) string {
	return `{"user":"` + user + `","email":"` + user + `@example.org"}`
}

// assertTooMany checks a 429 with a Retry-After and /register's body
// shape for a refusal.
func assertTooMany(t *testing.T, rec *httptest.ResponseRecorder, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, rec.Code, msgAndArgs...)
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err, "Retry-After")
	assert.Positive(t, secs)
	assert.Equal(t, `{"message":"Too many requests; try again in `+strconv.Itoa(secs)+` seconds","status":false,"token":"<not-a-token>"}`, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}

// TestHandlerLimitsRegisterPerClient shows the 630 registrations a
// second of one client cut down to its limit, while another client is
// still served.
func TestHandlerLimitsRegisterPerClient(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	h := httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{RegisterLimit: httpapi.Limit{Requests: 3, Per: time.Hour}})
	for i := range 3 {
		rec := postFrom(h, "203.0.113.7:4000", "/register", registerBody(fmt.Sprintf("user%d", i)))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	for i := range 100 {
		rec := postFrom(h, "203.0.113.7:4001", "/register", registerBody(fmt.Sprintf("more%d", i)))
		assertTooMany(t, rec, "registration %d", i)
	}
	assert.Equal(t, "1200", postFrom(h, "203.0.113.7:4002", "/register", registerBody("x")).Header().Get("Retry-After"),
		"one request back every 20 minutes")
	rec := postFrom(h, "198.51.100.1:4000", "/register", registerBody("other"))
	assert.Equal(t, http.StatusOK, rec.Code, "another client")
	users, err := c.Users()
	require.NoError(t, err)
	assert.Len(t, users, 4)
	// Verify and deregister are not limited.
	for range 10 {
		assert.Equal(t, http.StatusOK, postFrom(h, "203.0.113.7:4000", "/verify", `{"user":"user0","token":"ff"}`).Code)
	}
}

// TestHandlerLimitsResetPerClientAndUser shows that reset is limited per
// client, and per user whichever clients ask: email guesses for one user
// from many addresses stop at the user's limit.
func TestHandlerLimitsResetPerClientAndUser(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	for _, u := range []string{"alice", "bob"} {
		_, err := c.Register(u, u+"@example.org")
		require.NoError(t, err)
	}
	h := httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{
		ResetLimit:     httpapi.Limit{Requests: 4, Per: time.Hour},
		ResetUserLimit: httpapi.Limit{Requests: 2, Per: time.Hour},
	})
	guess := func(client int, user string) *httptest.ResponseRecorder {
		return postFrom(h, fmt.Sprintf("192.0.2.%d:1234", client), "/reset", `{"user":"`+user+`","email":"guess`+strconv.Itoa(client)+`@example.org"}`)
	}
	// Two guesses for alice from two clients, then none from anyone.
	for client := range 2 {
		rec := guess(client, "alice")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), "User email does not match")
	}
	for client := range 20 {
		assertTooMany(t, guess(client+2, "alice"), "client %d", client+2)
	}
	rec := postFrom(h, "192.0.2.99:1", "/reset", `{"user":"alice","email":"alice@example.org"}`)
	assertTooMany(t, rec, "the right email too: the limit counts attempts")
	// Bob is another user: client 0 may still try, up to its own limit.
	for range 2 {
		assert.Equal(t, http.StatusOK, guess(0, "bob").Code)
	}
	assert.Equal(t, http.StatusOK, guess(0, "carol").Code, "the fourth reset of client 0")
	assertTooMany(t, guess(0, "dave"), "client 0 has spent its 4 resets")
}

// TestDefaultHandlerConfigIsACopy: changing the defaults one caller got
// changes neither another's nor Handler's.
func TestDefaultHandlerConfigIsACopy(t *testing.T) {
	t.Parallel()
	mine := httpapi.DefaultHandlerConfig()
	mine.RegisterLimit = httpapi.Limit{Requests: 1, Per: time.Hour}
	assert.Equal(t, httpapi.Limit{Requests: 10, Per: 10 * time.Minute}, httpapi.DefaultHandlerConfig().RegisterLimit)
	h := httpapi.Handler(newCache(t))
	for i := range 2 {
		require.Equal(t, http.StatusOK, postFrom(h, "192.0.2.1:1", "/register", registerBody(fmt.Sprintf("u%d", i))).Code)
	}
}

// TestHandlerDefaultLimits shows that Handler limits registrations and
// resets out of the box.
func TestHandlerDefaultLimits(t *testing.T) {
	t.Parallel()
	def := httpapi.DefaultHandlerConfig()
	assert.Equal(t, httpapi.Limit{Requests: 10, Per: 10 * time.Minute}, def.RegisterLimit)
	assert.Equal(t, httpapi.Limit{Requests: 10, Per: 10 * time.Minute}, def.ResetLimit)
	assert.Equal(t, httpapi.Limit{Requests: 5, Per: time.Hour}, def.ResetUserLimit)
	assert.Equal(t, 10_000, def.MaxTracked)
	assert.Zero(t, def.MaxUsers)

	c := newCache(t)
	h := httpapi.Handler(c)
	for i := range def.RegisterLimit.Requests {
		require.Equal(t, http.StatusOK, postFrom(h, "192.0.2.1:1", "/register", registerBody(fmt.Sprintf("u%d", i))).Code)
	}
	assertTooMany(t, postFrom(h, "192.0.2.1:1", "/register", registerBody("one-more")))
	for range def.ResetUserLimit.Requests {
		require.Equal(t, http.StatusOK, postFrom(h, "192.0.2.2:1", "/reset", `{"user":"u0","email":"x@example.org"}`).Code)
	}
	assertTooMany(t, postFrom(h, "192.0.2.3:1", "/reset", `{"user":"u0","email":"x@example.org"}`))
}

// TestHandlerClientKeys shows which requests count as one client: IPv6
// addresses by their /64, and, behind a trusted proxy, the address the
// proxy put in its header, which a client reaching the handler directly
// cannot choose.
func TestHandlerClientKeys(t *testing.T) {
	t.Parallel()
	key := httpapi.ClientIP
	req := func(remote string, header ...string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/register", nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
		}
		return r
	}
	assert.Equal(t, "192.0.2.1", key(req("192.0.2.1:5000")))
	assert.Equal(t, "192.0.2.1", key(req("[::ffff:192.0.2.1]:5000")), "IPv4-mapped")
	assert.Equal(t, "2001:db8:1:2::/64", key(req("[2001:db8:1:2:aaaa::1]:5000")))
	assert.Equal(t, key(req("[2001:db8:1:2::1]:1")), key(req("[2001:db8:1:2:ffff:ffff:ffff:ffff]:2")), "one /64, one client")
	assert.NotEqual(t, key(req("[2001:db8:1:2::1]:1")), key(req("[2001:db8:1:3::1]:1")))
	assert.Equal(t, "@", key(req("@")), "no IP address: RemoteAddr as it is")

	proxied := httpapi.ProxyClientIP("X-Forwarded-For", netip.MustParsePrefix("10.0.0.0/8"))
	assert.Equal(t, "198.51.100.9", proxied(req("10.0.0.1:80", "X-Forwarded-For", "198.51.100.9")))
	assert.Equal(t, "198.51.100.9", proxied(req("10.0.0.1:80", "X-Forwarded-For", "6.6.6.6, 198.51.100.9, 10.0.0.2")),
		"the rightmost address not of a proxy: what the client wrote itself is skipped")
	assert.Equal(t, "198.51.100.9", proxied(req("10.0.0.1:80", "X-Forwarded-For", "1.1.1.1", "X-Forwarded-For", "198.51.100.9")),
		"the last line")
	assert.Equal(t, "203.0.113.5", proxied(req("203.0.113.5:80", "X-Forwarded-For", "198.51.100.9")),
		"a client not behind the proxy cannot choose its key")
	assert.Equal(t, "10.0.0.1", proxied(req("10.0.0.1:80")), "no header: the proxy's address")
	assert.Equal(t, "10.0.0.1", proxied(req("10.0.0.1:80", "X-Forwarded-For", "garbage")))

	// In the handler: clients behind the proxy are limited one by one.
	c := newCache(t)
	h := httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{ClientKey: proxied, RegisterLimit: httpapi.Limit{Requests: 1, Per: time.Hour}})
	assert.Equal(t, http.StatusOK, postFrom(h, "10.0.0.1:80", "/register", registerBody("a"), "X-Forwarded-For", "198.51.100.1").Code)
	assert.Equal(t, http.StatusOK, postFrom(h, "10.0.0.1:80", "/register", registerBody("b"), "X-Forwarded-For", "198.51.100.2").Code)
	assertTooMany(t, postFrom(h, "10.0.0.1:80", "/register", registerBody("c"), "X-Forwarded-For", "198.51.100.1"))
}

// TestHandlerMaxUsers shows the cap on users: registration closed at the
// cap, open again after a deregistration.
func TestHandlerMaxUsers(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	_, err := c.Register("admin", "admin@example.org") // already there: counts
	require.NoError(t, err)
	cfg := unlimited
	cfg.MaxUsers = 3
	h := httpapi.HandlerWithConfig(c, cfg)
	var tokens []string
	for _, u := range []string{"alice", "bob"} {
		rec := postFrom(h, "192.0.2.1:1", "/register", registerBody(u))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var answer struct{ Token string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer))
		tokens = append(tokens, answer.Token)
	}
	rec := postFrom(h, "192.0.2.1:1", "/register", registerBody("carol"))
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, `{"message":"Registration is closed: the service has reached its limit of users","status":false,"token":"<not-a-token>"}`, rec.Body.String())
	rec = postFrom(h, "192.0.2.1:1", "/register", registerBody("alice"))
	assert.Equal(t, http.StatusForbidden, rec.Code, "closed, whatever the name")

	rec = postFrom(h, "192.0.2.1:1", "/deregister", `{"user":"alice","token":"`+tokens[0]+`"}`)
	require.Equal(t, http.StatusOK, rec.Code)
	rec = postFrom(h, "192.0.2.1:1", "/register", registerBody("carol"))
	assert.Equal(t, http.StatusOK, rec.Code, "open again")
	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"admin", "bob", "carol"}, users)
}

func TestHandlerConfigErrors(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	for _, cfg := range []httpapi.HandlerConfig{
		{RegisterLimit: httpapi.Limit{Requests: 0, Per: time.Second}},
		{ResetLimit: httpapi.Limit{Requests: 1}},
		{ResetUserLimit: httpapi.Limit{Requests: 1, Per: -time.Second}},
		{MaxUsers: -1},
		{MaxTracked: -1},
	} {
		_, err := cfg.ToHandler(c)
		assert.Error(t, err, "%+v", cfg)
		assert.Panics(t, func() { httpapi.HandlerWithConfig(c, cfg) })
	}
	_, err := httpapi.HandlerConfig{}.ToHandler(nil)
	assert.Error(t, err)
}
