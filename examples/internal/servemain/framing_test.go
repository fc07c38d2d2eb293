package servemain

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmuggledRequestNeverServed sends, on one connection, a request
// with both Content-Length and Transfer-Encoding whose chunked body ends
// early, followed by a second request that a proxy going by the
// Content-Length would have taken for the first one's body. The server
// answers the first and closes the connection: the second is never
// served.
func TestSmuggledRequestNeverServed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok\n")
	})
	o := shortOptions()
	o.idleTimeout = time.Hour // only the fix may close the connection
	addr, _ := testServer(t, o, h)

	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	body := "0\r\n\r\n" + smuggled
	c := dial(t, addr, "POST /creds/register HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(len(body))+
		"\r\nTransfer-Encoding: chunked\r\n\r\n"+body)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(deadline)))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "ok\n", string(answer))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the request is answered")
	assert.True(t, resp.Close, "Connection: close")
	rest, err := io.ReadAll(r)
	assert.NoError(t, err, "the server closed the connection")
	assert.Empty(t, string(rest), "no second answer")
	mu.Lock()
	assert.Equal(t, []string{"/creds/register"}, paths)
	mu.Unlock()

	// Requests framed by Content-Length keep the connection alive.
	c = dial(t, addr, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(deadline)))
	r = bufio.NewReader(c)
	for range 2 {
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		assert.False(t, resp.Close)
	}
}

// TestCapShedsSlowBodies fills the cap with requests whose bodies never
// come, queues more of them behind, and then sends a valid request: the
// slow senders are closed to make room, once they have held a slot for
// the grace, and the valid request is served well before the read
// timeout. Before, a queue of n slow senders kept it waiting n/max read
// timeouts.
func TestCapShedsSlowBodies(t *testing.T) {
	t.Parallel()
	o := shortOptions()
	o.readTimeout, o.idleTimeout = time.Hour, time.Hour
	o.maxConns = 2
	addr, limited := testServer(t, o, echoBody)
	limited.mu.Lock()
	limited.grace = 50 * time.Millisecond
	limited.mu.Unlock()

	const slowBody = "POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
	for range 2 {
		dial(t, addr, slowBody)
	}
	waitFor(t, "two requests waiting for their bodies", func() bool { return limited.active() == 2 })
	for range 4 { // queued behind, in Accept and the kernel's backlog
		dial(t, addr, slowBody)
	}
	assert.True(t, answers(addr), "a valid request is served")
	assert.GreaterOrEqual(t, limited.shed.Load(), int64(5), "slow senders closed to make room")
}
