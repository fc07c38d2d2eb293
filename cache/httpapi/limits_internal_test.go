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
// bound, that a newcomer takes the place of the fullest bucket and
// starts with a full one, and that the keys evicted are the fullest.
func TestLimitersBounded(t *testing.T) {
	t.Parallel()
	l := newLimiters(Limit{Requests: 2, Per: time.Minute}, 3)
	now := time.Unix(1_000_000, 0)
	for i := range 1000 {
		ok, _ := l.allow(fmt.Sprintf("client%d", i), now)
		require.True(t, ok, "client%d is new: a full bucket", i)
	}
	assert.Equal(t, 3, l.size())

	// "spent" empties its bucket; then a flood of new keys, one a
	// second, never evicts it while fuller buckets are there.
	l = newLimiters(Limit{Requests: 2, Per: time.Minute}, 3)
	for range 2 {
		ok, _ := l.allow("spent", now)
		require.True(t, ok)
	}
	for i := range 20 {
		now = now.Add(time.Second)
		ok, _ := l.allow(fmt.Sprintf("new%d", i), now)
		require.True(t, ok, "new%d", i)
		_, kept := l.keys["spent"]
		require.True(t, kept, "the emptiest bucket stays, after new%d", i)
	}
	ok, wait := l.allow("spent", now)
	assert.False(t, ok)
	assert.Equal(t, 10*time.Second, wait, "still its own bucket: 30 s from empty, 20 s gone")
	assert.Equal(t, 3, l.size())
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
	require.Len(t, s.resetUserLimit.keys, 20)
	for key := range s.resetUserLimit.keys {
		assert.Len(t, key, 32)
	}
}
