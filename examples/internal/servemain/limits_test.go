package servemain

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

func parseLimits(t *testing.T, args ...string) (limitOptions, error) {
	t.Helper()
	var o limitOptions
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(nopWriter{})
	o.flags(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, o.check()
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// TestLimitDefaults shows the example servers on by default with the
// service's own limits, and a cap on users.
func TestLimitDefaults(t *testing.T) {
	o, err := parseLimits(t)
	require.NoError(t, err)
	def := httpapi.DefaultHandlerConfig()
	assert.Equal(t, def.RegisterLimit, httpapi.Limit(o.register))
	assert.Equal(t, def.ResetLimit, httpapi.Limit(o.reset))
	assert.Equal(t, def.ResetUserLimit, httpapi.Limit(o.resetUser))
	assert.Equal(t, "10/10m", o.register.String())
	assert.Equal(t, "5/1h", o.resetUser.String())
	assert.Equal(t, defaultMaxUsers, o.maxUsers)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "192.0.2.1:1"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	assert.Equal(t, "192.0.2.1", o.clientKey()(r), "no header believed by default")
}

func TestLimitFlags(t *testing.T) {
	o, err := parseLimits(t, "-register-limit", "3/1h", "-reset-limit", "off", "-reset-user-limit", "1/90s", "-max-users", "0",
		"-proxy-header", "X-Forwarded-For", "-trusted-proxies", "10.0.0.0/8, 192.0.2.7")
	require.NoError(t, err)
	assert.Equal(t, httpapi.Limit{Requests: 3, Per: time.Hour}, httpapi.Limit(o.register))
	assert.Equal(t, httpapi.NoLimit, httpapi.Limit(o.reset))
	assert.Equal(t, httpapi.Limit{Requests: 1, Per: 90 * time.Second}, httpapi.Limit(o.resetUser))
	assert.Equal(t, "1/1m30s", o.resetUser.String())
	assert.Zero(t, o.maxUsers)
	assert.Equal(t, prefixesFlag{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}, o.trustedProxies)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "192.0.2.7:1"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	assert.Equal(t, "198.51.100.1", o.clientKey()(r))

	for _, bad := range [][]string{
		{"-register-limit", "10"},
		{"-register-limit", "0/1m"},
		{"-reset-limit", "5/0s"},
		{"-reset-user-limit", "x/1h"},
		{"-max-users", "-1"},
		{"-proxy-header", "X-Forwarded-For"},
		{"-trusted-proxies", "10.0.0.0/8"},
		{"-trusted-proxies", "not-an-address"},
	} {
		_, err := parseLimits(t, bad...)
		assert.Error(t, err, "%q", bad)
	}
}

// TestLimitsSpareTheUserUnderFlood replays, on the example servers'
// service with their default limits, 10,000 resets of junk names from
// 1,000 addresses, then 6 more from new ones: alice's own reset, from an
// address never seen, still gets her a new token. (Each bucket takes 12
// minutes to win back one reset: the test's real clock plays no part.)
func TestLimitsSpareTheUserUnderFlood(t *testing.T) {
	t.Parallel()
	creds, err := cache.New(t.TempDir(), cache.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	_, err = creds.Register("alice", "alice@example.org")
	require.NoError(t, err)
	o, err := parseLimits(t)
	require.NoError(t, err)
	env, closeEnv, err := newEnv(creds, slog.New(slog.DiscardHandler), o, serviceHooks{})
	require.NoError(t, err)
	t.Cleanup(closeEnv)

	reset := func(addr, user, email string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/reset", strings.NewReader(`{"user":"`+user+`","email":"`+email+`"}`))
		req.RemoteAddr = addr + ":4000"
		rec := httptest.NewRecorder()
		env.Service.ServeHTTP(rec, req)
		return rec
	}
	for i := range 10_006 {
		addr := fmt.Sprintf("10.0.%d.%d", i%1_000/256, i%1_000%256)
		if i >= 10_000 {
			addr = fmt.Sprintf("10.1.0.%d", i-10_000)
		}
		reset(addr, fmt.Sprintf("junk%d", i), "x@example.org")
	}
	rec := reset("10.2.0.1", "alice", "alice@example.org")
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"status":true`)
}
