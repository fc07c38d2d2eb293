package exampletest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TokenPattern matches a token as the examples issue them: 20 random bytes
// in lowercase hex.
var TokenPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Client talks HTTP to an example server.
type Client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

// NewClient returns a client for the server at base, such as
// "http://127.0.0.1:41234". It keeps no idle connections, so that nothing
// of it outlives the test.
func NewClient(t testing.TB, base string) *Client {
	return &Client{t: t, base: base, hc: &http.Client{
		Timeout:   Timeout,
		Transport: &http.Transport{DisableKeepAlives: true},
	}}
}

// Get sends GET path with the given headers and returns the status code,
// the response headers and the body.
func (c *Client) Get(path string, header map[string]string) (int, http.Header, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	require.NoError(c.t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// Send sends a request with method for path, without a body, with header
// keys spelled as given (not canonicalized; a key given twice is sent
// twice), and returns the status code, the response headers and the body.
func (c *Client) Send(method, path string, header [][2]string) (int, http.Header, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	require.NoError(c.t, err)
	for _, kv := range header {
		req.Header[kv[0]] = append(req.Header[kv[0]], kv[1])
	}
	return c.do(req)
}

// Post sends POST path with the JSON encoding of fields as its body and
// returns the status code and the decoded JSON answer.
func (c *Client) Post(path string, fields map[string]string) (int, map[string]any) {
	c.t.Helper()
	body, err := json.Marshal(fields)
	require.NoError(c.t, err)
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(string(body)))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	code, _, text := c.do(req)
	var answer map[string]any
	require.NoErrorf(c.t, json.Unmarshal([]byte(text), &answer), "answer to %s: %q", path, text)
	return code, answer
}

// PostRaw sends POST path with body as it is and returns the status
// code, the response headers and the body.
func (c *Client) PostRaw(path, body string) (int, http.Header, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// Base returns the server's base URL.
func (c *Client) Base() string { return c.base }

// Register registers user through /creds/register and returns the token.
func (c *Client) Register(user, email string) string {
	c.t.Helper()
	return c.issue("/creds/register", user, email)
}

// Reset gives user a new token through /creds/reset and returns it.
func (c *Client) Reset(user, email string) string {
	c.t.Helper()
	return c.issue("/creds/reset", user, email)
}

func (c *Client) issue(path, user, email string) string {
	c.t.Helper()
	code, answer := c.Post(path, map[string]string{"user": user, "email": email})
	require.Equal(c.t, http.StatusOK, code)
	require.Equal(c.t, true, answer["status"], "answer to %s: %v", path, answer)
	token, _ := answer["token"].(string)
	require.Regexp(c.t, TokenPattern, token)
	return token
}

// Hello calls the protected /hello as user with token and returns the
// status code and the body.
func (c *Client) Hello(user, token string) (int, string) {
	c.t.Helper()
	code, _, body := c.Get("/hello", map[string]string{"X-Fixie-User": user, "X-Fixie-Token": token})
	return code, body
}

// WaitHello calls /hello as user with token until it answers want, and
// fails the test if it does not within Timeout.
func (c *Client) WaitHello(user, token string, want int) {
	c.t.Helper()
	deadline := time.Now().Add(Timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		code, body := c.Hello(user, token)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			require.FailNowf(c.t, "timed out", "/hello as %s answers %d %q; want %d", user, code, body, want)
		}
		<-tick.C
	}
}

func (c *Client) do(req *http.Request) (int, http.Header, string) {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, resp.Header, string(body)
}
