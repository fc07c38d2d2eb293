package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// cgiChildEnv, set to "1", makes the test binary a CGI program: the one
// behind the middleware in TestCGIChildTrustsItsUser.
const cgiChildEnv = "FIXIECREDS_TEST_CGI_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(cgiChildEnv) == "1" {
		serveCGI()
		return
	}
	os.Exit(m.Run())
}

// serveCGI answers as a CGI program with the variables it was given of
// the credential headers, one a line, sorted.
func serveCGI() {
	var vars []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HTTP_X_FIXIE_") {
			vars = append(vars, kv)
		}
	}
	sort.Strings(vars)
	fmt.Print("Content-Type: text/plain\r\n\r\n")
	for _, kv := range vars {
		fmt.Println(kv)
	}
}

// rawRequest sends a GET for path to srv with the header as given: its
// keys go on the wire as they are spelled, not canonicalized.
func rawRequest(t *testing.T, srv *httptest.Server, path string, header [][2]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	for _, kv := range header {
		req.Header[kv[0]] = append(req.Header[kv[0]], kv[1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// smuggled are headers that CGI, WSGI and PHP read as a credential header,
// as a client puts them beside alice's good credentials.
var smuggled = [][2]string{
	{"X_Fixie_User", "root"},
	{"x_fixie_user", "root"},
	{"X_FIXIE_USER", "root"},
	{"X-Fixie_User", "root"},
	{"x_fixie-user", "root"},
	{"X_Fixie_Token", aliceToken},
	{"x_fixie_token", aliceToken},
	{"X-Fixie_Token", aliceToken},
}

// TestCGIChildTrustsItsUser: a CGI program behind the middleware (as WSGI
// and PHP apps are) sees HTTP_X_FIXIE_USER only as the verified user, and
// never a token: a look-alike header sent beside good credentials stops
// the request with the 401 of any refusal, every time, and a skipped
// request loses its look-alikes.
func TestCGIChildTrustsItsUser(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	require.NoError(t, err)
	var runs atomic.Int64
	child := &cgi.Handler{Path: exe, Env: []string{cgiChildEnv + "=1"}}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		child.ServeHTTP(w, r)
	})
	mw := middleware.AuthWithConfig(newUsers(), middleware.Config{
		Skipper: func(r *http.Request) bool { return r.URL.Path == "/public" },
	})
	srv := httptest.NewServer(mw(counted))
	t.Cleanup(srv.Close)
	good := [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", aliceToken}}

	code, body := rawRequest(t, srv, "/private", good)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "HTTP_X_FIXIE_USER=alice\n", body, "the verified user, and no token")

	for _, s := range smuggled {
		t.Run(s[0], func(t *testing.T) {
			for range 12 {
				before := runs.Load()
				code, body := rawRequest(t, srv, "/private", append(good[:2:2], s))
				assert.Equal(t, http.StatusUnauthorized, code)
				assert.JSONEq(t, unauthorizedBody, body)
				assert.Equal(t, before, runs.Load(), "the CGI program ran")
			}
		})
	}

	code, body = rawRequest(t, srv, "/public", smuggled)
	require.Equal(t, http.StatusOK, code, body)
	assert.Empty(t, body, "a look-alike reached a skipped CGI program")
}

// TestLookAlikesNeverReachTheHandler: over a real connection, a look-alike
// of either credential header, in any case, is refused beside good
// credentials and removed from a skipped request, and neither the token
// nor a look-alike reaches a handler.
func TestLookAlikesNeverReachTheHandler(t *testing.T) {
	t.Parallel()
	headers := make(chan http.Header, 1)
	h := middleware.AuthWithConfig(newUsers(), middleware.Config{
		Skipper: func(r *http.Request) bool { return r.URL.Path == "/public" },
	})(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case headers <- r.Header.Clone():
		default:
			t.Error("a second request reached the handler")
		}
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	good := [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", aliceToken}}
	for _, s := range smuggled {
		code, _ := rawRequest(t, srv, "/private", append(good[:2:2], s))
		assert.Equal(t, http.StatusUnauthorized, code, s[0])
	}
	require.Empty(t, headers, "a request with a look-alike reached the handler")

	code, _ := rawRequest(t, srv, "/public", append(good[:2:2], smuggled...))
	require.Equal(t, http.StatusOK, code)
	require.Len(t, headers, 1)
	assert.Equal(t, http.Header{"X-Fixie-User": {"alice"}, "Accept-Encoding": {"gzip"}, "User-Agent": {"Go-http-client/1.1"}}, <-headers)
}
