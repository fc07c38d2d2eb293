package exampletest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Challenge is the WWW-Authenticate challenge of the example servers'
// 401s.
const Challenge = `Fixie realm="fixie"`

// CheckForwardAuth checks the server's /forward-auth as a reverse proxy
// asks it, for user, registered with email: 200 with X-Fixie-User set to
// the verified user and no body for good credentials, with any method;
// 401 with the challenge and no X-Fixie-User for missing, wrong and
// unknown credentials, for a look-alike or repeated credential header
// beside good ones, and for the old token as soon as a reset through the
// service answered.
func CheckForwardAuth(t testing.TB, c *Client, user, email string) {
	t.Helper()
	token := c.Register(user, email)
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodHead} {
		code, header, body := c.Send(method, "/forward-auth", [][2]string{{"X-Fixie-User", user}, {"X-Fixie-Token", token}})
		assert.Equal(t, http.StatusOK, code, method)
		assert.Equal(t, []string{user}, header.Values("X-Fixie-User"), method)
		assert.Empty(t, body, method)
	}

	refused := map[string][][2]string{
		"missing":        nil,
		"no token":       {{"X-Fixie-User", user}},
		"wrong token":    {{"X-Fixie-User", user}, {"X-Fixie-Token", "00ff"}},
		"unknown user":   {{"X-Fixie-User", "nobody-" + user}, {"X-Fixie-Token", token}},
		"look-alike":     {{"X-Fixie-User", user}, {"X-Fixie-Token", token}, {"X_Fixie_User", "root"}},
		"user twice":     {{"X-Fixie-User", user}, {"X-Fixie-Token", token}, {"X-Fixie-User", "root"}},
		"token as alike": {{"X-Fixie-User", user}, {"X-Fixie-Token", token}, {"x_fixie_token", token}},
	}
	for name, header := range refused {
		code, answer, body := c.Send(http.MethodGet, "/forward-auth", header)
		assert.Equal(t, http.StatusUnauthorized, code, name)
		assert.Equal(t, Challenge, answer.Get("WWW-Authenticate"), name)
		assert.Empty(t, answer.Values("X-Fixie-User"), name)
		assert.JSONEq(t, `{"message":"Unauthorized"}`, body, name)
	}

	newToken := c.Reset(user, email)
	code, _, _ := c.Send(http.MethodGet, "/forward-auth", [][2]string{{"X-Fixie-User", user}, {"X-Fixie-Token", token}})
	assert.Equal(t, http.StatusUnauthorized, code, "old token after reset")
	code, header, _ := c.Send(http.MethodGet, "/forward-auth", [][2]string{{"X-Fixie-User", user}, {"X-Fixie-Token", newToken}})
	assert.Equal(t, http.StatusOK, code, "new token after reset")
	assert.Equal(t, []string{user}, header.Values("X-Fixie-User"))
}
