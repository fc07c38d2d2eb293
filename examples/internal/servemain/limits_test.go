package servemain

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
