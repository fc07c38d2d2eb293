package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

func TestServiceCounts(t *testing.T) {
	t.Parallel()
	m := NewService()
	for _, o := range []httpapi.Outcome{
		{Op: "register", Result: "ok"},
		{Op: "register", Result: "ok"},
		{Op: "register", Result: "limited", Limit: "register"},
		{Op: "reset", Result: "limited", Limit: "reset_user"},
		{Op: "reset", Result: "email_mismatch"},
		{Op: "deregister", Result: "wrong_token"},
	} {
		m.Observe(nil, o)
	}
	want := `
# HELP fixiecreds_service_limited_total Requests to the fixie-creds service answered 429, by the limit that refused them: register, reset (per client) or reset_user.
# TYPE fixiecreds_service_limited_total counter
fixiecreds_service_limited_total{limit="register"} 1
fixiecreds_service_limited_total{limit="reset"} 0
fixiecreds_service_limited_total{limit="reset_user"} 1
`
	require.NoError(t, testutil.CollectAndCompare(m, strings.NewReader(want), "fixiecreds_service_limited_total"))
	assert.Equal(t, 2.0, testutil.ToFloat64(m.requests.WithLabelValues("register", "ok")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("reset", "email_mismatch")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("deregister", "wrong_token")))
	assert.Equal(t, 0.0, testutil.ToFloat64(m.requests.WithLabelValues("deregister", "ok")), "every series from the start")
	assert.Equal(t, 26, testutil.CollectAndCount(m, "fixiecreds_service_requests_total"))
}

// TestUsersCountedOnceAMinute: the gauge lists the store at most once a
// minute, and is left out while the store cannot be listed.
func TestUsersCountedOnceAMinute(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	lists := 0
	var fail error
	users := []string{"alice", "bob"}
	u := newUsers(func() ([]string, error) { lists++; return users, fail }, func() time.Time { return now })
	assert.Equal(t, 2.0, testutil.ToFloat64(u))
	users = append(users, "carol")
	assert.Equal(t, 2.0, testutil.ToFloat64(u), "within the minute")
	now = now.Add(time.Minute)
	assert.Equal(t, 3.0, testutil.ToFloat64(u))
	assert.Equal(t, 2, lists)
	fail = errors.New("store out of reach")
	now = now.Add(time.Minute)
	assert.Zero(t, testutil.CollectAndCount(u), "no gauge while the store cannot be listed")
}
