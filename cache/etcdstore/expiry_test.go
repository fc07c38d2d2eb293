package etcdstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// TestServersShareExpiry: on three servers sharing one etcd prefix, a
// token issued with an expiry on one stops verifying on all of them when
// its time comes; a rotation made on another keeps the replaced token
// working on every server during its grace and only the new one after
// it; a plain reset on the third ends both at once.
func TestServersShareExpiry(t *testing.T) {
	t.Parallel()
	cs, _, _ := servers(t, shared.endpoint(), cache.WithPollInterval(time.Hour))
	a, b, c := cs[0], cs[1], cs[2]

	old, err := a.Register("ci", "ci@example.org", cache.ExpiresAfter(30*24*time.Hour))
	require.NoError(t, err)
	month, err := a.LoadUser("ci")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), month.Expires, 2*time.Second, "issue time + 30 days")
	assert.Zero(t, month.Expires.Nanosecond(), "to the second")
	for i, s := range cs {
		waitVerify(t, s, "ci", old, true, nil, fmt.Sprintf("server %d accepts the 30-day token", i))
	}

	next, err := b.Reset("ci", "ci@example.org", cache.KeepPrevious(6*time.Second), cache.ExpiresAfter(30*24*time.Hour))
	require.NoError(t, err)
	rotated, err := c.LoadUser("ci")
	require.NoError(t, err)
	require.Equal(t, month.HashedToken, rotated.PreviousHashedToken)
	for i, s := range cs {
		waitVerify(t, s, "ci", next, true, nil, fmt.Sprintf("server %d accepts the new token", i))
		assertByClock(t, s, "ci", old, rotated.PreviousExpires, fmt.Sprintf("server %d, the old token during the grace", i))
	}
	for i, s := range cs {
		waitVerify(t, s, "ci", old, false, cache.ErrTokenExpired, fmt.Sprintf("server %d refuses the old token after the grace", i))
		assert.False(t, time.Now().Before(rotated.PreviousExpires), "server %d refused the old token before its grace ended", i)
		assertVerify(t, s, "ci", next, true, nil, fmt.Sprintf("server %d, the new token after the grace", i))
	}

	last, err := c.Reset("ci", "ci@example.org", cache.KeepPrevious(time.Hour))
	require.NoError(t, err)
	plain, err := c.Reset("ci", "ci@example.org")
	require.NoError(t, err)
	for i, s := range cs {
		waitVerify(t, s, "ci", plain, true, nil, fmt.Sprintf("server %d accepts the token of the plain reset", i))
		assertVerify(t, s, "ci", last, false, nil, fmt.Sprintf("server %d, the token the plain reset replaced", i))
		assertVerify(t, s, "ci", next, false, nil, fmt.Sprintf("server %d, the token kept before", i))
	}

	soon, err := a.Register("soon", "soon@example.org", cache.ExpiresAfter(2*time.Second))
	require.NoError(t, err)
	u, err := a.LoadUser("soon")
	require.NoError(t, err)
	for i, s := range cs {
		waitFor(t, fmt.Sprintf("server %d to learn of the user", i), func() bool {
			_, err := s.Verify("soon", soon)
			return !errors.Is(err, cache.ErrNotRegistered)
		})
		assertByClock(t, s, "soon", soon, u.Expires, fmt.Sprintf("server %d, before the expiry", i))
	}
	for i, s := range cs {
		waitVerify(t, s, "soon", soon, false, cache.ErrTokenExpired, fmt.Sprintf("server %d refuses the expired token", i))
		assert.False(t, time.Now().Before(u.Expires), "server %d refused the token before it expired", i)
	}
	assert.ErrorIs(t, b.Deregister("soon", soon), cache.ErrTokenExpired)
}

// assertByClock checks that c accepts user's token if the clock is
// before end all through the call, refuses it as expired if it is past
// end all through, and does either in between.
func assertByClock(t *testing.T, c *cache.Cache, user, token string, end time.Time, msg string) {
	t.Helper()
	before := time.Now()
	ok, err := c.Verify(user, token)
	after := time.Now()
	switch {
	case after.Before(end):
		assert.True(t, ok && err == nil, "%s: got (%v, %v) before %v", msg, ok, err, end)
	case !before.Before(end):
		assert.True(t, !ok && errors.Is(err, cache.ErrTokenExpired), "%s: got (%v, %v) after %v", msg, ok, err, end)
	default:
		assert.True(t, ok && err == nil || !ok && errors.Is(err, cache.ErrTokenExpired), "%s: got (%v, %v)", msg, ok, err)
	}
}
