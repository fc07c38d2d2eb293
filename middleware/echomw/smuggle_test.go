package echomw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

// TestLookAlikesNeverReachTheHandler: over a real connection, a header
// that CGI, WSGI or PHP read as a credential header, in any case, is
// refused beside good credentials with the 401 of any refusal, and is
// removed from a skipped request; neither it nor the token reaches an Echo
// handler.
func TestLookAlikesNeverReachTheHandler(t *testing.T) {
	t.Parallel()
	headers := make(chan http.Header, 1)
	e := echo.New()
	e.Use(echomw.AuthWithConfig(fakeVerifier{}, echomw.AuthConfig{
		Skipper: func(c echo.Context) bool { return c.Path() == "/public" },
	}))
	record := func(c echo.Context) error {
		select {
		case headers <- c.Request().Header.Clone():
		default:
			t.Error("a second request reached the handler")
		}
		return c.NoContent(http.StatusOK)
	}
	e.GET("/private", record)
	e.GET("/public", record)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	send := func(path string, header [][2]string) int {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		for _, kv := range header {
			req.Header[kv[0]] = append(req.Header[kv[0]], kv[1]) // spelled as given on the wire
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	good := [][2]string{{"X-Fixie-User", "alice"}, {"X-Fixie-Token", aliceToken}}
	smuggled := [][2]string{
		{"X_Fixie_User", "root"}, {"x_fixie_user", "root"}, {"X-FIXIE_USER", "root"},
		{"X_Fixie_Token", aliceToken}, {"x_fixie-token", aliceToken},
	}
	for _, s := range smuggled {
		assert.Equal(t, http.StatusUnauthorized, send("/private", append(good[:2:2], s)), s[0])
	}
	require.Empty(t, headers, "a request with a look-alike reached the handler")

	require.Equal(t, http.StatusOK, send("/private", good))
	assert.Equal(t, http.Header{"X-Fixie-User": {"alice"}, "Accept-Encoding": {"gzip"}, "User-Agent": {"Go-http-client/1.1"}}, <-headers)
	require.Equal(t, http.StatusOK, send("/public", append(good[:2:2], smuggled...)))
	assert.Equal(t, http.Header{"X-Fixie-User": {"alice"}, "Accept-Encoding": {"gzip"}, "User-Agent": {"Go-http-client/1.1"}}, <-headers)
}
