package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// lockedBuffer collects log output from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// secrets collects every token the test saw, and everything that must not
// hold one: log output, error strings and response bodies.
type secrets struct {
	tokens  []string
	exposed []string // "where: text"
}

func (s *secrets) token(tok string) string { s.tokens = append(s.tokens, tok); return tok }

func (s *secrets) err(where string, err error) {
	if err != nil {
		s.exposed = append(s.exposed, where+": "+err.Error())
	}
}

func (s *secrets) check(t *testing.T, log string) {
	t.Helper()
	require.Greater(t, len(s.tokens), 5)
	require.Greater(t, len(s.exposed), 20)
	texts := append([]string{"log: " + log}, s.exposed...)
	for _, tok := range s.tokens {
		for _, form := range []string{tok, strings.ToUpper(tok), strings.TrimLeft(tok, "0")} {
			for _, text := range texts {
				if len(form) >= 8 && strings.Contains(text, form) {
					where, _, _ := strings.Cut(text, ":")
					t.Errorf("a token appears in %s", where)
				}
			}
		}
	}
}

// TestNoTokenLeaks drives every path of the cache, the service and the
// middleware, with debug logging everywhere, and checks that no token
// appears in any log line, error string or response body other than the
// answer to the register or reset that issued it.
func TestNoTokenLeaks(t *testing.T) {
	var logBuf lockedBuffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := filepath.Join(t.TempDir(), "creds")
	c, err := cache.New(dir, cache.WithLogger(log))
	require.NoError(t, err)
	defer c.Close()
	var s secrets

	// The cache, directly.
	alice := s.token(must(t)(c.Register("alice", "a@b.org")))
	bob := s.token(must(t)(c.Register("bob", "b@b.org")))
	wrong := s.token("0123456789abcdef0123456789abcdef01234567")
	for _, call := range []struct {
		where string
		err   error
	}{
		{"register twice", second(c.Register("alice", "a@b.org"))},
		{"register bad name", second(c.Register("../alice", "a@b.org"))},
		{"register bad email", second(c.Register("carol", "nope"))},
		{"verify unknown", second(c.Verify("nobody", alice))},
		{"verify bad name", second(c.Verify("a/b", alice))},
		{"deregister wrong", c.Deregister("alice", bob)},
		{"deregister malformed", c.Deregister("alice", alice+"zz")},
		{"deregister unknown", c.Deregister("nobody", alice)},
		{"reset mismatch", second(c.Reset("alice", "x@b.org"))},
		{"reset unknown", second(c.Reset("nobody", "a@b.org"))},
		{"hash malformed", second(c.HashToken(alice + "zz"))},
	} {
		require.Error(t, call.err, call.where)
		s.err(call.where, call.err)
	}
	ok, err := c.Verify("alice", wrong)
	require.NoError(t, err)
	require.False(t, ok)
	alice = s.token(must(t)(c.Reset("alice", "a@b.org")))

	// A record that cannot be read: a verification that cannot complete.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"user":"broken"`), 0o600))
	_, err = c.Verify("broken", alice)
	require.Error(t, err)
	s.err("verify broken", err)

	// The service.
	srv := httptest.NewServer(http.StripPrefix("/creds", httpapi.Handler(c)))
	defer srv.Close()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(srv.URL+"/creds/"+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	_, body := post("register", `{"user":"carol","email":"c@b.org"}`)
	carol := s.token(strings.TrimSuffix(strings.TrimPrefix(body, `{"status":true,"token":"`), `"}`))
	require.Len(t, carol, 40, body)
	for _, req := range []struct{ path, body string }{
		{"register", `{"user":"carol","email":"c@b.org"}`},
		{"register", `{"user":"../x","email":"c@b.org"}`},
		{"verify", `{"user":"carol","token":"` + carol + `"}`},
		{"verify", `{"user":"carol","token":"` + alice + `"}`},
		{"verify", `{"user":"nobody","token":"` + carol + `"}`},
		{"verify", `{"user":"broken","token":"` + carol + `"}`},
		{"verify", `{"user":"carol","token":"` + carol + `zz"}`},
		{"verify", `{"user":"carol","token":"` + carol + `","extra":1}`},
		{"verify", `{"user":"carol","token":"` + carol},
		{"deregister", `{"user":"carol","token":"` + alice + `"}`},
		{"deregister", `{"user":"nobody","token":"` + carol + `"}`},
		{"reset", `{"user":"carol","email":"x@b.org"}`},
		{"reset", `{"user":"nobody","email":"c@b.org"}`},
	} {
		code, body := post(req.path, req.body)
		s.exposed = append(s.exposed, "service "+req.path+" "+http.StatusText(code)+": "+body)
	}
	_, body = post("reset", `{"user":"carol","email":"c@b.org"}`)
	carol = s.token(strings.TrimSuffix(strings.TrimPrefix(body, `{"status":true,"token":"`), `"}`))
	code, body := post("deregister", `{"user":"carol","token":"`+carol+`"}`)
	require.Equal(t, http.StatusOK, code)
	s.exposed = append(s.exposed, "service deregister: "+body)

	// The middleware, with every outcome logged in full.
	var echoed lockedBuffer
	protected := middleware.AuthWithConfig(c, middleware.Config{
		BasicAuth: true,
		OnOutcome: func(r *http.Request, o middleware.Outcome) {
			log.Debug("auth", "result", o.Result.String(), "user", o.User, "basic", o.Basic, "err", o.Err)
		},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What the application would see and might log or echo.
		for name, values := range r.Header {
			io.WriteString(&echoed, name+": "+strings.Join(values, ",")+"\n")
		}
	}))
	app := httptest.NewServer(protected)
	defer app.Close()
	call := func(name string, set func(h http.Header)) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, app.URL, nil)
		require.NoError(t, err)
		set(req.Header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		s.exposed = append(s.exposed, "auth "+name+": "+string(b)+" "+strings.Join(resp.Header.Values("WWW-Authenticate"), ","))
	}
	fixie := func(user, token string) func(http.Header) {
		return func(h http.Header) { h.Set("X-Fixie-User", user); h.Set("X-Fixie-Token", token) }
	}
	basic := func(user, token string) func(http.Header) {
		return func(h http.Header) {
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+token)))
		}
	}
	call("accepted", fixie("alice", alice))
	call("accepted basic", basic("alice", alice))
	call("wrong", fixie("alice", bob))
	call("wrong basic", basic("alice", bob))
	call("unknown", fixie("nobody", alice))
	call("malformed", fixie("alice", alice+"zz"))
	call("bad name", fixie("../alice", alice))
	call("failed", fixie("broken", alice))
	call("missing user", func(h http.Header) { h.Set("X-Fixie-Token", alice) })
	call("twice", func(h http.Header) {
		h.Add("X-Fixie-User", "alice")
		h.Add("X-Fixie-Token", alice)
		h.Add("X-Fixie-Token", bob)
	})
	s.exposed = append(s.exposed, "headers seen by the application: "+echoed.String())

	// The client, against the service, and against no service.
	client, err := httpapi.NewClient(srv.URL+"/creds", httpapi.ClientConfig{})
	require.NoError(t, err)
	ok, err = client.Verify("alice", alice)
	require.NoError(t, err)
	require.True(t, ok)
	for _, tok := range []string{bob, alice + "zz"} {
		_, err = client.Verify("alice", tok)
		s.err("client", err)
	}
	_, err = client.Verify("broken", alice)
	require.Error(t, err)
	s.err("client broken", err)
	gone, err := httpapi.NewClient("http://127.0.0.1:1", httpapi.ClientConfig{})
	require.NoError(t, err)
	_, err = gone.Verify("alice", alice)
	require.Error(t, err)
	s.err("client unreachable", err)

	assert.Contains(t, logBuf.String(), "result=accepted", "the log holds the outcomes")
	assert.Contains(t, logBuf.String(), "level=DEBUG")
	s.check(t, logBuf.String())
}

// must returns a function that fails t on a non-nil error and returns v.
func must(t *testing.T) func(v string, err error) string {
	return func(v string, err error) string {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }
