package authlog

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// testWriter returns a Writer logging at level into a buffer, on a clock
// that moves only when the test moves it.
func testWriter(level slog.Level) (*Writer, *bytes.Buffer, *time.Time) {
	var buf bytes.Buffer
	now := time.Unix(1_000_000, 0)
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
	return newWriter(log, httpapi.ClientIP, func() time.Time { return now }), &buf, &now
}

func request(remote, path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = remote
	return r
}

func lines(buf *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestLevels(t *testing.T) {
	w, buf, _ := testWriter(slog.LevelDebug)
	r := request("192.0.2.1:1", "/hello")
	w.Outcome(r, middleware.Outcome{Result: middleware.Accepted, User: "alice"})
	w.Outcome(r, middleware.Outcome{Result: middleware.Missing, Err: middleware.ErrMissingCredentials})
	w.Outcome(r, middleware.Outcome{Result: middleware.Rejected, User: "bob", Err: cache.ErrInvalidToken})
	w.Outcome(r, middleware.Outcome{Result: middleware.Failed, User: "carol", Err: middleware.ErrVerifyFailed})
	got := lines(buf)
	require.Len(t, got, 4)
	assert.Contains(t, got[0], `level=DEBUG msg=auth path=/hello result=accepted user=alice`)
	assert.Contains(t, got[1], `level=INFO msg=auth path=/hello result=missing user="" reason="middleware: missing credentials"`)
	assert.Contains(t, got[2], `level=INFO msg=auth path=/hello result=rejected user=bob reason="cache: invalid token"`)
	assert.Contains(t, got[3], `level=ERROR msg=auth path=/hello result=failed user=carol reason=`)
}

// TestNamesBoundedAndEscaped shows the 1 MB user name of a single request,
// which made 215 MiB of log in 5 s, logged in under a hundred bytes, and
// names that hide characters shown escaped.
func TestNamesBoundedAndEscaped(t *testing.T) {
	w, buf, _ := testWriter(slog.LevelDebug)
	r := request("192.0.2.1:1", "/"+strings.Repeat("p", 1<<20))
	w.Outcome(r, middleware.Outcome{Result: middleware.Rejected, User: strings.Repeat("x", 1<<20), Err: cache.ErrNotRegistered})
	assert.Less(t, buf.Len(), 400, buf.String())
	assert.Contains(t, buf.String(), `user=`+strings.Repeat("x", 64)+`...`)

	for _, tt := range []struct{ user, want string }{
		{"bob ", `user="bob "`},
		{"bo\u200bb", `user=bo\u200bb`},
		{"cafe\u0301", `user=cafe\u0301`},
		{"ａｌｉｃｅ", `user=\uff41\uff4c\uff49\uff43\uff45`},
		{"alice result=accepted", `user="alice result=accepted"`},
	} {
		buf.Reset()
		w.Outcome(request("192.0.2.2:1", "/hello"), middleware.Outcome{Result: middleware.Rejected, User: tt.user, Err: cache.ErrNotRegistered})
		assert.Contains(t, buf.String(), tt.want)
	}
}

// TestFloodFromOneClient shows 100,000 refusals from one client make its
// burst of lines and one summary.
func TestFloodFromOneClient(t *testing.T) {
	w, buf, now := testWriter(slog.LevelInfo)
	for i := range 100_000 {
		w.Outcome(request("203.0.113.9:1", "/hello"), middleware.Outcome{Result: middleware.Rejected, User: fmt.Sprint("u", i), Err: cache.ErrNotRegistered})
	}
	other := request("198.51.100.1:1", "/hello")
	w.Outcome(other, middleware.Outcome{Result: middleware.Rejected, User: "eve", Err: cache.ErrInvalidToken})
	assert.Len(t, lines(buf), clientBurst+1, "the flooding client's burst; the other client is still heard")
	assert.Contains(t, buf.String(), "user=eve")

	buf.Reset()
	w.flush(DefaultPeriod)
	got := lines(buf)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `level=INFO msg="auth lines held back" refusals=99990 failures=0 period=10s top_client=203.0.113.9 top_client_held=99990`)

	buf.Reset()
	w.flush(DefaultPeriod)
	assert.Empty(t, buf.String(), "nothing held back: no summary")

	// Later on, the client is heard again: a line per clientEvery, up
	// to its burst.
	for _, wait := range []time.Duration{clientEvery, time.Hour} {
		buf.Reset()
		*now = now.Add(wait)
		for range 1000 {
			w.Outcome(request("203.0.113.9:1", "/hello"), middleware.Outcome{Result: middleware.Missing, Err: middleware.ErrMissingCredentials})
		}
		assert.Len(t, lines(buf), min(int(wait/clientEvery), clientBurst), "after %v", wait)
	}
}

// TestFloodFromManyClients shows that clients without number (an IPv6
// network, a botnet) get no more than the server's burst between them,
// and that failures are summed up at ERROR.
func TestFloodFromManyClients(t *testing.T) {
	w, buf, _ := testWriter(slog.LevelInfo)
	for i := range 50_000 {
		remote := fmt.Sprintf("[2001:db8:%x:%x::1]:1", i>>16, i&0xffff)
		w.Outcome(request(remote, "/hello"), middleware.Outcome{Result: middleware.Failed, User: "u", Err: middleware.ErrVerifyFailed})
	}
	assert.Len(t, lines(buf), serverBurst)
	assert.LessOrEqual(t, len(w.clients), maxClients, "bounded memory")
	buf.Reset()
	w.flush(DefaultPeriod)
	assert.Contains(t, buf.String(), `level=ERROR msg="auth lines held back" refusals=0 failures=49900`)
}

// TestAcceptFreeAtInfo shows that logging an accept, the hot path, costs
// no allocation while DEBUG is off.
func TestAcceptFreeAtInfo(t *testing.T) {
	w, buf, _ := testWriter(slog.LevelInfo)
	r := request("192.0.2.1:1", "/hello")
	o := middleware.Outcome{Result: middleware.Accepted, User: "alice"}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.Outcome(r, o) }))
	assert.Empty(t, buf.String())
}

// TestCloseSummarizes shows that Close logs what is held back and stops.
func TestCloseSummarizes(t *testing.T) {
	var buf bytes.Buffer
	w := New(slog.New(slog.NewTextHandler(&buf, nil)), httpapi.ClientIP, time.Hour)
	for range clientBurst + 5 {
		w.Outcome(request("192.0.2.1:1", "/hello"), middleware.Outcome{Result: middleware.Missing, Err: middleware.ErrMissingCredentials})
	}
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "idempotent")
	assert.Contains(t, buf.String(), `msg="auth lines held back" refusals=5 failures=0 period=1h0m0s top_client=192.0.2.1 top_client_held=5`)
}

func BenchmarkOutcomeAccepted(b *testing.B) {
	w, _, _ := testWriter(slog.LevelInfo)
	r := request("192.0.2.1:1", "/hello")
	o := middleware.Outcome{Result: middleware.Accepted, User: "alice"}
	b.ReportAllocs()
	for b.Loop() {
		w.Outcome(r, o)
	}
}
