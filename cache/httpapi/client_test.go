package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// countingServer serves h and counts the requests that reach it.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// service starts the service on a real cache with alice registered,
// and returns its URL, alice's token and a request counter.
func service(t *testing.T) (string, string, *atomic.Int64) {
	t.Helper()
	h, c := newService(t)
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", h))
	srv, n := countingServer(t, mux)
	return srv.URL + "/creds", token, n
}

func TestClientAnswers(t *testing.T) {
	t.Parallel()
	url, token, n := service(t)
	r, err := httpapi.NewClient(url+"/", httpapi.ClientConfig{TTL: -1})
	require.NoError(t, err)
	tests := []struct {
		name, user, token string
		wantOK            bool
		wantErr           error
		wantAsked         bool
	}{
		{name: "valid", user: "alice", token: token, wantOK: true, wantAsked: true},
		{name: "upper case", user: "alice", token: strings.ToUpper(token), wantOK: true, wantAsked: true},
		{name: "wrong token", user: "alice", token: "ff", wantAsked: true},
		{name: "too long a token", user: "alice", token: strings.Repeat("f", 41), wantAsked: true},
		{name: "unknown user", user: "bob", token: "ff", wantErr: cache.ErrNotRegistered, wantAsked: true},
		{name: "path-like user", user: "../alice", token: "ff", wantErr: cache.ErrInvalidUser, wantAsked: true},
		{name: "non-hex token is not sent", user: "alice", token: "zz"},
		{name: "empty token is not sent", user: "alice", token: ""},
		{name: "empty user is not sent", user: "", token: token, wantErr: cache.ErrInvalidUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := n.Load()
			ok, err := r.Verify(tt.user, tt.token)
			assert.Equal(t, tt.wantOK, ok)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantAsked, n.Load() > before, "asked the service")
		})
	}
}

// TestClientCheckToken: a token the client would never send is malformed,
// so that the middleware reports it as such; any hex token may be someone's
// on the service.
func TestClientCheckToken(t *testing.T) {
	t.Parallel()
	r, err := httpapi.NewClient("http://127.0.0.1:1", httpapi.ClientConfig{})
	require.NoError(t, err)
	for _, token := range []string{"ff", "FF", strings.Repeat("f", 300)} {
		assert.NoError(t, r.CheckToken(token), token)
	}
	for _, token := range []string{"", "zz", `"ff"`, "0xff", "f f"} {
		assert.Same(t, cache.ErrMalformedToken, r.CheckToken(token), token)
	}
}

func TestClientFailsClosed(t *testing.T) {
	t.Parallel()
	const token = "46685257bdd640fb06671ad11c80317fa3b1799d"
	accept := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"message":"User verified","status":true,"verified":true}`))
	})
	elsewhere, elsewhereHits := countingServer(t, accept)
	closed := httptest.NewServer(accept)
	closed.Close()

	answer := func(code int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		})
	}
	tests := []struct {
		name    string
		handler http.Handler // nil: use the closed server, unless slow
		slow    bool         // use slowHandler
	}{
		{name: "500", handler: answer(500, `{"message":"User verified","status":true,"verified":true}`)},
		{name: "404", handler: answer(404, `{"message":"Not Found"}`)},
		{name: "400 of another kind", handler: answer(400, `{"message":"Unable to parse JSON."}`)},
		{name: "not JSON", handler: answer(200, `<html>ok</html>`)},
		{name: "empty object", handler: answer(200, `{}`)},
		{name: "no verified", handler: answer(200, `{"message":"User verified","status":true}`)},
		{name: "verified without status", handler: answer(200, `{"message":"?","status":false,"verified":true}`)},
		{name: "wrong types", handler: answer(200, `{"status":"true","verified":"true"}`)},
		{name: "keys in other case", handler: answer(200, `{"message":"User verified","Status":true,"VERIFIED":true}`)},
		{name: "message not a string", handler: answer(200, `{"message":null,"status":true,"verified":true}`)},
		{name: "lone surrogate in a key", handler: answer(200, `{"message":"?","status":true,"verified":true,"verified\udc00":false}`)},
		{name: "repeated verified", handler: answer(200, `{"message":"?","status":true,"verified":false,"verified":true}`)},
		{name: "redirect is not followed", handler: http.RedirectHandler(elsewhere.URL+"/verify", http.StatusTemporaryRedirect)},
		{name: "too slow", slow: true},
		{name: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, handler := closed.URL, tt.handler
			var release func()
			if tt.slow {
				handler, release = slowHandler()
			}
			if handler != nil {
				srv := httptest.NewServer(handler)
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			if release != nil {
				t.Cleanup(release) // before srv.Close, which waits for handlers
			}
			r, err := httpapi.NewClient(url, httpapi.ClientConfig{Timeout: 200 * time.Millisecond})
			require.NoError(t, err)

			ok, err := r.Verify("alice", token)
			assert.False(t, ok)
			require.Error(t, err)
			assert.NotErrorIs(t, err, cache.ErrNotRegistered)
			assert.NotErrorIs(t, err, cache.ErrInvalidUser)
			assert.NotContains(t, err.Error(), token)

			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/private", nil)
			req.Header.Set("X-Fixie-User", "alice")
			req.Header.Set("X-Fixie-Token", token)
			next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the request passed") })
			middleware.Auth(r)(next).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, `{"message":"Credentials could not be verified"}`, rec.Body.String())
		})
	}
	t.Cleanup(func() { assert.Zero(t, elsewhereHits.Load(), "the token was sent where a redirect pointed") })
}

// slowHandler returns a handler that answers nothing until the client goes
// away or release is called, whichever comes first.
func slowHandler() (h http.Handler, release func()) {
	released := make(chan struct{})
	return http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leave
		select {
		case <-r.Context().Done():
		case <-released:
		}
	}), func() { close(released) }
}

func TestClientRemembersAcceptsOnly(t *testing.T) {
	t.Parallel()
	url, token, n := service(t)
	r, err := httpapi.NewClient(url, httpapi.ClientConfig{TTL: time.Hour})
	require.NoError(t, err)

	for range 3 {
		ok, err := r.Verify("alice", token)
		require.NoError(t, err)
		require.True(t, ok)
	}
	assert.Equal(t, int64(1), n.Load(), "an accepted pair is remembered")

	for range 3 {
		ok, err := r.Verify("alice", "ff")
		require.NoError(t, err)
		require.False(t, ok)
	}
	assert.Equal(t, int64(4), n.Load(), "a refusal is never remembered")

	for _, spelling := range []string{strings.ToUpper(token), "00" + token} {
		ok, err := r.Verify("alice", spelling)
		require.NoError(t, err)
		assert.True(t, ok)
	}
	assert.Equal(t, int64(4), n.Load(), "another spelling of the token is the same pair")
}

func TestClientCancelledContext(t *testing.T) {
	t.Parallel()
	url, token, n := service(t)
	r, err := httpapi.NewClient(url, httpapi.ClientConfig{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := r.VerifyContext(ctx, "alice", token)
	assert.False(t, ok)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n.Load())
}

func TestClientConcurrent(t *testing.T) {
	t.Parallel()
	url, token, _ := service(t)
	r, err := httpapi.NewClient(url, httpapi.ClientConfig{TTL: 20 * time.Millisecond, MaxEntries: 4})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 40 {
				tok := token
				if (i+j)%3 == 0 {
					tok = "ff"
				}
				ok, err := r.Verify("alice", tok)
				assert.NoError(t, err)
				assert.Equal(t, tok == token, ok)
			}
		})
	}
	wg.Wait()
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		cfg  httpapi.ClientConfig
	}{
		{name: "no scheme", url: "creds.example.org"},
		{name: "ftp", url: "ftp://creds.example.org"},
		{name: "no host", url: "http:///creds"},
		{name: "query", url: "https://creds.example.org/?a=1"},
		{name: "fragment", url: "https://creds.example.org/#x"},
		{name: "credentials", url: "https://u:p@creds.example.org/"},
		{name: "unparsable", url: "http://[::1"},
		{name: "unparsable with credentials", url: "http://u:p@[::1"},
		{name: "negative timeout", url: "https://creds.example.org", cfg: httpapi.ClientConfig{Timeout: -1}},
		{name: "negative max entries", url: "https://creds.example.org", cfg: httpapi.ClientConfig{MaxEntries: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := httpapi.NewClient(tt.url, tt.cfg)
			assert.Error(t, err)
			assert.Nil(t, r)
			if err != nil {
				assert.NotContains(t, err.Error(), ":p@")
			}
		})
	}
}
