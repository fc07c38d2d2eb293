package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLimitersRefill shows a bucket spent, its wait, and its refill.
func TestLimitersRefill(t *testing.T) {
	t.Parallel()
	l := newLimiters(Limit{Requests: 2, Per: time.Minute}, 10)
	now := time.Unix(1_000_000, 0)
	for range 2 {
		ok, _ := l.allow("a", now)
		require.True(t, ok)
	}
	ok, wait := l.allow("a", now)
	assert.False(t, ok)
	assert.Equal(t, 30*time.Second, wait, "one request back every Per/Requests")
	ok, _ = l.allow("b", now)
	assert.True(t, ok, "another key has its own bucket")
	ok, _ = l.allow("a", now.Add(wait))
	assert.True(t, ok, "allowed again once the wait is over")
	assert.Nil(t, newLimiters(NoLimit, 10))
	ok, _ = (*limiters)(nil).allow("a", now)
	assert.True(t, ok, "no limit")
}

// TestLimitersBounded shows that the table never holds more than its
// bound, drops refilled buckets first, and that keys it cannot take
// share one bucket, so that new keys buy a client nothing.
func TestLimitersBounded(t *testing.T) {
	t.Parallel()
	l := newLimiters(Limit{Requests: 2, Per: time.Minute}, 3)
	now := time.Unix(1_000_000, 0)
	for i := range 1000 {
		l.allow(fmt.Sprintf("client%d", i), now)
	}
	assert.Equal(t, 3, l.size())
	// The overflow bucket took two of the 997 others and refused the rest.
	ok, _ := l.allow("newcomer", now)
	assert.False(t, ok, "a newcomer shares the spent overflow bucket")

	// A minute on, every bucket has refilled: room for new keys.
	later := now.Add(time.Minute)
	ok, _ = l.allow("newcomer", later)
	assert.True(t, ok)
	assert.LessOrEqual(t, l.size(), 3)
	_, inTable := l.buckets["newcomer"]
	assert.True(t, inTable, "refilled buckets made room")
}

// TestServiceRetryAfterIsHonest shows that a client told to retry after
// N seconds is let through then, on the handler's clock.
func TestServiceRetryAfterIsHonest(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	s, err := newService(&ctxRegistry{}, HandlerConfig{RegisterLimit: Limit{Requests: 1, Per: 90 * time.Second}})
	require.NoError(t, err)
	s.now = func() time.Time { return now }
	post := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(`{"user":"alice","email":"a@example.org"}`)))
		return rec
	}
	require.Equal(t, http.StatusOK, post().Code)
	rec := post()
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "90", rec.Header().Get("Retry-After"))
	now = now.Add(89 * time.Second)
	assert.Equal(t, http.StatusTooManyRequests, post().Code)
	now = now.Add(time.Second)
	assert.Equal(t, http.StatusOK, post().Code)
}

// TestServiceUserBucketsBounded shows that the buckets of user names
// take the same room whatever the names' length: a reset may name a user
// in 64 KiB before the name is checked.
func TestServiceUserBucketsBounded(t *testing.T) {
	t.Parallel()
	s, err := newService(&ctxRegistry{}, HandlerConfig{ResetLimit: NoLimit})
	require.NoError(t, err)
	for i := range 20 {
		user := fmt.Sprintf("%d%s", i, strings.Repeat("x", 60_000))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/reset", strings.NewReader(`{"user":"`+user+`","email":"a@example.org"}`)))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	s.resetUserLimit.mu.Lock()
	defer s.resetUserLimit.mu.Unlock()
	require.Len(t, s.resetUserLimit.buckets, 20)
	for key := range s.resetUserLimit.buckets {
		assert.Len(t, key, 32)
	}
}
