package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientTTL(t *testing.T) {
	t.Parallel()
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		_, _ = w.Write([]byte(`{"message":"User verified","status":true,"verified":true}`))
	}))
	t.Cleanup(srv.Close)
	r, err := NewClient(srv.URL, ClientConfig{TTL: time.Second})
	require.NoError(t, err)
	now := time.Unix(1_000_000, 0)
	r.now = func() time.Time { return now }

	verify := func() {
		t.Helper()
		ok, err := r.Verify("alice", "ff")
		require.NoError(t, err)
		require.True(t, ok)
	}
	verify()
	now = now.Add(999 * time.Millisecond)
	verify()
	assert.Equal(t, int64(1), asked.Load(), "asked again within the TTL")
	now = now.Add(time.Millisecond)
	verify()
	assert.Equal(t, int64(2), asked.Load(), "not asked again once the TTL was over")
}

func TestAcceptedPairsBounded(t *testing.T) {
	t.Parallel()
	m := newAcceptedPairs(2)
	now := time.Unix(1_000_000, 0)
	a, b, c := m.key("a", "1"), m.key("b", "1"), m.key("c", "1")

	m.add(a, now, now.Add(time.Second))
	m.add(b, now, now.Add(time.Hour))
	later := now.Add(2 * time.Second)
	m.add(c, later, later.Add(time.Hour))
	assert.Equal(t, 2, m.size())
	assert.False(t, m.has(a, later), "the expired entry was not the one dropped")
	assert.True(t, m.has(b, later))
	assert.True(t, m.has(c, later))

	for i := range 10 {
		m.add(m.key(fmt.Sprint(i), "1"), later, later.Add(time.Hour))
		assert.LessOrEqual(t, m.size(), 2)
	}
}

func TestPairKeyHoldsNoToken(t *testing.T) {
	t.Parallel()
	const token = "46685257bdd640fb06671ad11c80317fa3b1799d"
	m1, m2 := newAcceptedPairs(1), newAcceptedPairs(1)
	k1, k2 := m1.key("alice", token), m2.key("alice", token)
	assert.NotContains(t, fmt.Sprintf("%v %x", k1, k1.mac), token)
	assert.NotEqual(t, k1.mac, k2.mac, "two sets share a secret")
	assert.Equal(t, k1, m1.key("alice", token))
	assert.NotEqual(t, k1, m1.key("alice", "ff"))
	assert.NotEqual(t, k1, m1.key("bob", token))
}

func TestVerifyRequest(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `{"token":"ff","user":"alice"}`, string(verifyRequest("alice", "ff")))
	assert.Equal(t, `{"token":"00FF","user":"\u540d\u524d <&> \"q\""}`, string(verifyRequest("名前 <&> \"q\"", "00FF")))
}
