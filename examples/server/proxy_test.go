package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// app stands for the app behind a reverse proxy: it records the header
// of every request that reaches it.
type app struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newApp(t *testing.T) *app {
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.got = append(a.got, r.Header.Clone())
		a.mu.Unlock()
		_, _ = io.WriteString(w, "app: "+string(body))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// received returns the headers of the requests that reached the app.
func (a *app) received() []http.Header {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]http.Header(nil), a.got...)
}

// proxies start a reverse proxy in front of app, asking the fixiecreds
// server at auth, with the configuration of middleware/README.md, and
// return its address.
var proxies = []struct {
	name  string
	start func(t *testing.T, auth, app string) string
	// lookAlike is the answer to good credentials with an X_Fixie_User
	// beside them: nginx drops header names with '_' before asking, Caddy
	// passes them on and /forward-auth refuses them.
	lookAlike int
}{
	{"nginx", func(t *testing.T, auth, app string) string {
		listen := exampletest.FreeAddr(t)
		exampletest.StartNginx(t, exampletest.ProxyConfig(t, "nginx", listen, auth, app), listen)
		return listen
	}, http.StatusOK},
	{"caddy", func(t *testing.T, auth, app string) string {
		listen := exampletest.FreeAddr(t)
		exampletest.StartCaddy(t, exampletest.ProxyConfig(t, "caddyfile", listen, auth, app), listen)
		return listen
	}, http.StatusUnauthorized},
}

// TestBehindProxies: with the configurations of middleware/README.md, real
// nginx and Caddy let a request with good credentials reach the app with
// the verified user and no token, stop missing, wrong and unknown
// credentials with the 401 and its challenge, and refuse an old token as
// soon as a reset through the service answered.
func TestBehindProxies(t *testing.T) {
	t.Parallel()
	for _, px := range proxies {
		t.Run(px.name, func(t *testing.T) {
			t.Parallel()
			_, server, _ := start(t)
			a := newApp(t)
			proxy := exampletest.NewClient(t, "http://"+px.start(t, strings.TrimPrefix(server.Base(), "http://"), a.srv.Listener.Addr().String()))
			token := server.Register("alice", "alice@example.org")
			good := [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", token}}

			// Reaches the app: once as it is, once with a look-alike
			// beside it if the proxy drops those.
			code, _, body := proxy.Send(http.MethodGet, "/some/page?q=1", good)
			require.Equal(t, http.StatusOK, code, body)
			assert.Equal(t, "app: ", body)
			code, _, _ = proxy.Send(http.MethodGet, "/some/page", append(good[:2:2], [2]string{"X_Fixie_User", "root"}))
			assert.Equal(t, px.lookAlike, code, "look-alike beside good credentials")
			want := 1
			if px.lookAlike == http.StatusOK {
				want = 2
			}
			got := a.received()
			require.Len(t, got, want)
			for _, h := range got {
				assertTrusted(t, h, "alice", token)
			}

			// Stops at the proxy.
			refused := map[string][][2]string{
				"missing":      nil,
				"no token":     {{"X-Fixie-User", "alice"}},
				"wrong token":  {{"X-Fixie-User", "alice"}, {"X-Fixie-Token", strings.Repeat("0", 40)}},
				"unknown user": {{"X-Fixie-User", "bob"}, {"X-Fixie-Token", token}},
				"user twice":   append(good[:2:2], [2]string{"X-Fixie-User", "root"}),
				"token twice":  append(good[:2:2], [2]string{"X-Fixie-Token", token}),
			}
			for name, header := range refused {
				code, answer, body := proxy.Send(http.MethodGet, "/some/page", header)
				assert.Equal(t, http.StatusUnauthorized, code, name)
				assert.Equal(t, exampletest.Challenge, answer.Get("WWW-Authenticate"), name)
				assert.NotContains(t, body, "app: ", name)
			}
			assert.Len(t, a.received(), want, "refused requests reached the app")

			// A reset through the service ends the old token at once.
			newToken := server.Reset("alice", "alice@example.org")
			code, _, _ = proxy.Send(http.MethodGet, "/", good)
			assert.Equal(t, http.StatusUnauthorized, code, "old token after reset")
			code, _, _ = proxy.Send(http.MethodGet, "/", [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", newToken}})
			assert.Equal(t, http.StatusOK, code, "new token after reset")
			got = a.received()
			require.Len(t, got, want+1)
			assertTrusted(t, got[want], "alice", newToken)
		})
	}
}

// assertTrusted asserts that h, the header of a request that reached the
// app, holds user as its one X-Fixie-User, no token, and no other header
// that reads as a credential header when '_' is read as '-'.
func assertTrusted(t *testing.T, h http.Header, user, token string) {
	t.Helper()
	assert.Equal(t, []string{user}, h.Values("X-Fixie-User"), "%v", h)
	for k, vs := range h {
		name := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if name == "x-fixie-user" && k != "X-Fixie-User" || name == "x-fixie-token" {
			t.Errorf("the app got a header %s", k)
		}
		for _, v := range vs {
			// Not assert.NotContains, which would print the token.
			assert.False(t, strings.Contains(v, token), "the app got the token in %s", k)
		}
	}
}
