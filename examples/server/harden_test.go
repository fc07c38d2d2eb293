package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// startBusy starts a request on the server at base that stays in
// progress: a registration whose body never comes. It returns once the
// handler is reading the body, which the server's "100 Continue" tells.
func startBusy(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, "POST /creds/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(exampletest.Timeout)))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	return c
}

// TestServerSecondSignalStopsAtOnce shows that a second signal ends a
// shutdown that is waiting for a request in flight.
func TestServerSecondSignalStopsAtOnce(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p, _, _ := start(t, "-shutdown-timeout", "1h", "-read-timeout", "1h")
			base := p.WaitLog(t, regexp.MustCompile(`msg=listening addr=(\S+)`))[1]
			startBusy(t, "http://"+base)
			p.Signal(t, sig)
			p.WaitLog(t, regexp.MustCompile(`msg="shutting down" wait=1h0m0s hint="a second signal stops at once"`))
			assert.Equal(t, -1, p.Stop(t, sig), "killed by the second signal, within exampletest.Timeout")
			assert.NotContains(t, p.Output(), "msg=stopped")
		})
	}
}

// TestServerShutdownCutsOffAndExitsZero shows a shutdown that waited its
// time for a request in flight: it cuts the request off, says so, and
// exits 0.
func TestServerShutdownCutsOffAndExitsZero(t *testing.T) {
	t.Parallel()
	p, _, _ := start(t, "-shutdown-timeout", "200ms", "-read-timeout", "1h")
	base := p.WaitLog(t, regexp.MustCompile(`msg=listening addr=(\S+)`))[1]
	busy := startBusy(t, "http://"+base)
	assert.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	assert.Regexp(t, `level=WARN msg="shutdown cut off requests in flight" requests=1 waited=200ms\n(.|\n)*msg=stopped`, p.Output())
	assert.NotContains(t, p.Output(), "server failed")
	_, err := io.Copy(io.Discard, busy)
	assert.NoError(t, err, "the connection was closed")
}

// TestServerOutlastsDescriptorLimit runs the server with 64 descriptors
// and opens 200 keep-alive connections, each idle after one answer, as
// the 10,000 of the attack were: the server closes idle ones to make
// room, never runs out of descriptors, and a valid request is served.
func TestServerOutlastsDescriptorLimit(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	// The shell sets both limits, soft and hard: Go raises a soft limit
	// to the hard one at start.
	p, base := exampletest.StartServer(t, "/bin/sh", nil, "-c", `ulimit -n 64 && exec "$0" "$@"`,
		exampletest.Bin(t, "server"), "-addr", "127.0.0.1:0", "-dir", dir)
	p.WaitLog(t, regexp.MustCompile(`msg=limits max_conns=16 `))
	c := exampletest.NewClient(t, base)
	token := c.Register("alice", "alice@example.org")

	for range 200 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
	}
	code, body := c.Hello("alice", token)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "Hello, alice!\n", body)
	assert.NotContains(t, p.Output(), "too many open files")
}

// TestServerLimitsService shows the service's limits on by default in
// the server and set by its flags: past them, 429 and Retry-After.
func TestServerLimitsService(t *testing.T) {
	t.Parallel()
	_, c, _ := start(t, "-register-limit", "2/1h", "-reset-user-limit", "1/1h")
	token := c.Register("alice", "alice@example.org")
	c.Register("bob", "bob@example.org")
	code, header, body := c.PostRaw("/creds/register", `{"user":"carol","email":"carol@example.org"}`)
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Equal(t, "1800", header.Get("Retry-After"))
	assert.Equal(t, `{"message":"Too many requests; try again in 1800 seconds","status":false,"token":"<not-a-token>"}`, body)

	c.Reset("alice", "alice@example.org")
	code, _, _ = c.PostRaw("/creds/reset", `{"user":"alice","email":"alice@example.org"}`)
	assert.Equal(t, http.StatusTooManyRequests, code, "one reset of alice per hour")
	code, _ = c.Hello("alice", token)
	assert.Equal(t, http.StatusUnauthorized, code, "the first reset took effect")
}

// TestServerLogsServiceFailures shows a 500 from /creds/ logged at ERROR
// with the user name and the cause.
func TestServerLogsServiceFailures(t *testing.T) {
	t.Parallel()
	p, c, dir := start(t)
	// A record that cannot be used: a file, not JSON.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alice.json"), []byte("{"), 0o600))
	// The new name is seen once its change is (within the trust window).
	c.WaitHello("alice", "ff", http.StatusInternalServerError)
	code, _, body := c.PostRaw("/creds/verify", `{"user":"alice","token":"ff"}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, `{"message":"Verify could not complete"}`, body)
	p.WaitLog(t, regexp.MustCompile(`level=ERROR msg="httpapi: Verify could not complete" user=alice err="cache: unusable record for \\"alice\\": [^"]+"`))
}

// TestServerLogIsBounded sends what made 215 MiB of log in 5 s: refusals
// with 1 MB user names, as fast as one client can. The log takes a few
// lines for them, and a summary.
func TestServerLogIsBounded(t *testing.T) {
	t.Parallel()
	p, c, _ := start(t)
	name := strings.Repeat("x", 1<<20)
	hc := &http.Client{Timeout: exampletest.Timeout}
	_, base, _ := strings.Cut(c.Base(), "://")
	for range 200 {
		req, err := http.NewRequest(http.MethodGet, "http://"+base+"/hello", nil)
		require.NoError(t, err)
		req.Header.Set("X-Fixie-User", name[:60_000]) // under the server's 64 KiB of headers
		req.Header.Set("X-Fixie-Token", "ff")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	// Headers past the server's bound are refused before any log line.
	req, err := http.NewRequest(http.MethodGet, "http://"+base+"/hello", nil)
	require.NoError(t, err)
	req.Header.Set("X-Fixie-User", name)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)

	assert.Equal(t, 0, p.Stop(t, syscall.SIGTERM))
	out := p.Output()
	assert.Less(t, len(out), 10_000, "the whole log")
	assert.Equal(t, 10, strings.Count(out, "msg=auth "), "the client's burst")
	m := regexp.MustCompile(`msg="auth lines held back" refusals=(\d+) failures=0 period=10s top_client=127.0.0.1 top_client_held=(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, "190", m[1])
	assert.Equal(t, strconv.Itoa(190), m[2])
}
