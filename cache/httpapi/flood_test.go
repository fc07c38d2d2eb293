package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// floodClock is a service clock that moves only when told to.
type floodClock struct{ t time.Time }

func (c *floodClock) now() time.Time          { return c.t }
func (c *floodClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// floodService returns the service with the default limits on a new
// cache, on a clock of its own.
func floodService(t *testing.T) (*service, *cache.Cache, *floodClock) {
	t.Helper()
	c, err := cache.New(filepath.Join(t.TempDir(), "creds"), cache.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	s, err := newService(c, HandlerConfig{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	clk := &floodClock{t: time.Unix(1_000_000, 0)}
	s.now = clk.now
	return s, c, clk
}

// send posts body to path as the client at addr.
func send(s *service, addr, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = addr + ":4000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// address returns the i-th of the addresses an attacker cycles through.
func address(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff) }

// TestResetFloodSparesTheUser replays an attack on the reset limit per
// user: 10,000 resets of junk names from 1,000 addresses in 2 s, 6 more
// from new addresses, then 14 a second for 12 minutes. Alice's own
// reset, with her email, from an address never seen, is answered each
// time she asks: no flood of other names makes her share a bucket.
func TestResetFloodSparesTheUser(t *testing.T) {
	t.Parallel()
	s, c, clk := floodService(t)
	_, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)

	junk := 0
	reset := func(addr string) int {
		junk++
		return send(s, addr, "/reset", fmt.Sprintf(`{"user":"junk%d","email":"x@example.org"}`, junk)).Code
	}
	for i := range 10_000 {
		require.Equal(t, http.StatusOK, reset(address(i%1_000)), "junk reset %d: within the attacker's limits", i)
		clk.advance(200 * time.Microsecond)
	}
	for i := range 6 {
		reset(address(100_000 + i))
	}
	aliceAt := 200_000
	aliceResets := func(when string) {
		t.Helper()
		aliceAt++
		rec := send(s, address(aliceAt), "/reset", `{"user":"alice","email":"alice@example.org"}`)
		require.Equal(t, http.StatusOK, rec.Code, "alice's own reset %s: %s", when, rec.Body)
		assert.Contains(t, rec.Body.String(), `"status":true`)
	}
	aliceResets("after the flood")

	// 14 resets a second from the 1,000 addresses, each within its own
	// limit, for 12 minutes; alice resets after 6 and 12.
	for i := range 14 * 12 * 60 {
		reset(address(i % 1_000))
		clk.advance(time.Second / 14)
		if i == 14*6*60 {
			aliceResets("6 minutes into the flood")
		}
	}
	aliceResets("12 minutes into the flood")
	assert.LessOrEqual(t, s.resetUserLimit.size(), DefaultHandlerConfig().MaxTracked)
}

// TestRegisterFloodSparesNewcomers replays an attack on the register
// limit per client: junk bodies (all 400) from 10,000 addresses in turn,
// 200 a second, for 100 s. Three newcomers every 5 s register at once:
// none is refused.
func TestRegisterFloodSparesNewcomers(t *testing.T) {
	t.Parallel()
	s, _, clk := floodService(t)
	newcomer := 0
	for i := range 200 * 100 {
		send(s, address(i%10_000), "/register", `{"junk":true}`)
		clk.advance(5 * time.Millisecond)
		if i%(200*5) != 0 {
			continue
		}
		for range 3 {
			newcomer++
			rec := send(s, address(100_000+newcomer), "/register", fmt.Sprintf(`{"user":"new%d","email":"new@example.org"}`, newcomer))
			require.Equal(t, http.StatusOK, rec.Code, "newcomer %d, %v into the flood: %s", newcomer, time.Duration(i)*5*time.Millisecond, rec.Body)
		}
	}
	assert.Equal(t, 60, newcomer)
	assert.LessOrEqual(t, s.registerLimit.size(), DefaultHandlerConfig().MaxTracked)
}
