package fixiecreds_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

// follow is how long a protected route may take to follow a change made
// through the service or on disk, and how often it is polled meanwhile.
const (
	follow = 10 * time.Second
	tick   = 10 * time.Millisecond
)

// credsDir returns a credentials directory path for the test, inside its
// own temporary directory, for the cache to create with mode 0700.
func credsDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "creds")
}

// newCache opens a cache on dir, as a separate process would, and closes it
// when the test ends.
func newCache(t *testing.T, dir string, opts ...cache.Option) *cache.Cache {
	t.Helper()
	c, err := cache.New(dir, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	return c
}

// service is the credentials service without the limits on register and
// reset, which these tests go past on purpose: they churn users faster
// than any one client should.
func service(c *cache.Cache) http.Handler {
	return httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{
		RegisterLimit:  httpapi.NoLimit,
		ResetLimit:     httpapi.NoLimit,
		ResetUserLimit: httpapi.NoLimit,
	})
}

// netHTTPApp is a net/http server with the service under /creds/ and a
// protected /whoami, route by route on a ServeMux.
func netHTTPApp(t *testing.T, creds, verify *cache.Cache) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", service(creds)))
	mux.Handle("GET /whoami", middleware.AuthWithConfig(verify, middleware.Config{BasicAuth: true})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, ok := middleware.UserFromContext(r.Context())
			if !ok || r.Header.Get(middleware.DefaultTokenHeader) != "" {
				http.Error(w, "token header or no user", http.StatusTeapot)
				return
			}
			_, _ = io.WriteString(w, user)
		})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// echoApp is the same application on Echo, with the service mounted through
// echo.WrapHandler and Auth on a group.
func echoApp(t *testing.T, creds, verify *cache.Cache) *httptest.Server {
	t.Helper()
	e := echo.New()
	e.Any("/creds/*", echo.WrapHandler(http.StripPrefix("/creds", service(creds))))
	g := e.Group("", echomw.AuthWithConfig(verify, echomw.AuthConfig{BasicAuth: true}))
	g.GET("/whoami", func(c echo.Context) error {
		user, ok := echomw.User(c)
		ctxUser, _ := middleware.UserFromContext(c.Request().Context())
		if !ok || ctxUser != user || c.Request().Header.Get(middleware.DefaultTokenHeader) != "" {
			return c.String(http.StatusTeapot, "token header or no user")
		}
		return c.String(http.StatusOK, user)
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// client talks to one application server.
type client struct {
	t   *testing.T
	srv *httptest.Server
}

// call posts body to the service's path and decodes the answer.
func (c client) call(path, body string) (int, map[string]any) {
	c.t.Helper()
	resp, err := c.srv.Client().Post(c.srv.URL+"/creds"+path, "application/json", strings.NewReader(body))
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var answer map[string]any
	require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&answer))
	return resp.StatusCode, answer
}

// token posts body to register or reset and returns the new token.
func (c client) token(path, user, email string) string {
	c.t.Helper()
	code, answer := c.call(path, fmt.Sprintf(`{"user":%q,"email":%q}`, user, email))
	require.Equal(c.t, http.StatusOK, code, answer)
	require.Equal(c.t, true, answer["status"], answer)
	token, ok := answer["token"].(string)
	require.True(c.t, ok, answer)
	return token
}

// whoami calls the protected route with the user and token, in headers or,
// if basic, as Basic credentials, and returns the status and body.
func (c client) whoami(user, token string, basic bool) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.srv.URL+"/whoami", nil)
	require.NoError(c.t, err)
	if basic {
		req.SetBasicAuth(user, token)
	} else {
		req.Header.Set("X-Fixie-User", user)
		req.Header.Set("X-Fixie-Token", token)
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, string(body)
}

// eventually waits until the protected route answers user and token with
// want.
func (c client) eventually(user, token string, want int, why string) {
	c.t.Helper()
	var got int
	var body string
	ok := assert.Eventually(c.t, func() bool {
		got, body = c.whoami(user, token, false)
		return got == want
	}, follow, tick, why)
	if !ok {
		c.t.Logf("last answer: %d %s", got, body)
		c.t.FailNow()
	}
}

// writeRecord replaces user's record as another program would: a temporary
// file in the directory, then a rename, so that token becomes the valid one.
func writeRecord(t *testing.T, c *cache.Cache, user, email, token string) {
	t.Helper()
	hashed, err := c.HashToken(token)
	require.NoError(t, err)
	path, err := c.UserCredFile(user)
	require.NoError(t, err)
	rec, err := json.Marshal(map[string]string{"email": email, "hashed_token": hashed, "user": user})
	require.NoError(t, err)
	tmp := filepath.Join(filepath.Dir(path), "admin-tool.tmp")
	require.NoError(t, os.WriteFile(tmp, rec, 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// apps starts both applications on one credentials directory. The service
// and the middleware use separate caches, as separate processes would.
func apps(t *testing.T, dir string, verifyOpts ...cache.Option) map[string]client {
	t.Helper()
	service := newCache(t, dir)
	verify := newCache(t, dir, verifyOpts...)
	return map[string]client{
		"nethttp": {t, netHTTPApp(t, service, verify)},
		"echo":    {t, echoApp(t, service, verify)},
	}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	modes := []struct {
		name string
		opts []cache.Option
	}{
		{name: "watching", opts: nil},
		{name: "polling", opts: []cache.Option{cache.WithWatch(false), cache.WithPollInterval(50 * time.Millisecond)}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := credsDir(t)
			admin := newCache(t, dir) // an admin tool's view, for hashing and paths
			for name, app := range apps(t, dir, mode.opts...) {
				t.Run(name, func(t *testing.T) {
					app.t = t
					user := "user-of-" + name
					email := "someone@example.org"

					// Register through the service; the route accepts the token.
					token := app.token("/register", user, email)
					app.eventually(user, token, http.StatusOK, "registered token refused")
					code, body := app.whoami(user, token, false)
					require.Equal(t, http.StatusOK, code)
					assert.Equal(t, user, body)
					code, body = app.whoami(user, token, true)
					assert.Equal(t, http.StatusOK, code, "Basic credentials")
					assert.Equal(t, user, body)
					code, _ = app.whoami(user, "ff", false)
					assert.Equal(t, http.StatusUnauthorized, code)

					// Reset through the service: the old token stops, the new one works.
					newToken := app.token("/reset", user, email)
					app.eventually(user, token, http.StatusUnauthorized, "old token still accepted after reset")
					app.eventually(user, newToken, http.StatusOK, "new token refused after reset")

					// Another program replaces the record on disk.
					writeRecord(t, admin, user, email, "c0ffee")
					app.eventually(user, newToken, http.StatusUnauthorized, "token still accepted after the record was replaced on disk")
					app.eventually(user, "c0ffee", http.StatusOK, "token written on disk refused")

					// Deregister through the service.
					code, answer := app.call("/deregister", fmt.Sprintf(`{"user":%q,"token":"c0ffee"}`, user))
					require.Equal(t, http.StatusOK, code)
					require.Equal(t, map[string]any{"message": user + " deregistered", "status": true}, answer)
					app.eventually(user, "c0ffee", http.StatusUnauthorized, "token still accepted after deregister")

					// Register again, then another program deletes the record.
					token = app.token("/register", user, email)
					app.eventually(user, token, http.StatusOK, "re-registered token refused")
					path, err := admin.UserCredFile(user)
					require.NoError(t, err)
					require.NoError(t, os.Remove(path))
					app.eventually(user, token, http.StatusUnauthorized, "token still accepted after the record was deleted on disk")
				})
			}
		})
	}
}

func TestEndToEndClient(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	svc := newCache(t, dir)
	creds := httptest.NewServer(service(svc))
	t.Cleanup(creds.Close)
	verifier, err := httpapi.NewClient(creds.URL, httpapi.ClientConfig{TTL: 100 * time.Millisecond})
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", service(svc)))
	mux.Handle("GET /whoami", middleware.Auth(verifier)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := middleware.UserFromContext(r.Context())
		_, _ = io.WriteString(w, user)
	})))
	app := client{t, httptest.NewServer(mux)}
	t.Cleanup(app.srv.Close)

	token := app.token("/register", "alice", "alice@example.org")
	app.eventually("alice", token, http.StatusOK, "registered token refused through the client")
	code, _ := app.call("/deregister", `{"user":"alice","token":"`+token+`"}`)
	require.Equal(t, http.StatusOK, code)
	app.eventually("alice", token, http.StatusUnauthorized, "token still accepted through the client after deregister")

	creds.Close()
	code, body := app.whoami("alice", token, false)
	assert.Equal(t, http.StatusInternalServerError, code, "an unreachable service must fail closed")
	assert.NotContains(t, body, token)
}

func TestEndToEndConcurrentClients(t *testing.T) {
	t.Parallel()
	dir := credsDir(t)
	for name, app := range apps(t, dir) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			app.t = t
			const stable = 4
			tokens := make([]string, stable)
			for i := range tokens {
				tokens[i] = app.token("/register", fmt.Sprintf("%s-%d", name, i), "s@example.org")
			}
			// The route's cache learns of them from the directory's watch.
			for i, token := range tokens {
				app.eventually(fmt.Sprintf("%s-%d", name, i), token, http.StatusOK, "registered token refused")
			}
			churn := name + "-churn"
			app.token("/register", churn, "c@example.org")

			// Clients hammer the route while the churning user's token is reset
			// again and again through the service.
			var wg sync.WaitGroup
			wg.Go(func() {
				for range 20 {
					app.token("/reset", churn, "c@example.org")
				}
			})
			for g := range 8 {
				wg.Go(func() {
					for j := range 25 {
						i := (g + j) % stable
						user := fmt.Sprintf("%s-%d", name, i)
						code, body := app.whoami(user, tokens[i], j%2 == 0)
						assert.Equal(t, http.StatusOK, code, "stable user refused")
						assert.Equal(t, user, body)
						code, _ = app.whoami(user, "ff", false)
						assert.Equal(t, http.StatusUnauthorized, code, "wrong token accepted")
						code, _ = app.whoami(churn, "ff", false)
						assert.Equal(t, http.StatusUnauthorized, code, "wrong token of a churning user accepted")
					}
				})
			}
			wg.Wait()
		})
	}
}
