package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

var tokenShape = regexp.MustCompile(`^[0-9a-f]{40}$`)

// unlimited is the service's configuration with no limits, for tests
// that send more requests than the default limits allow.
var unlimited = httpapi.HandlerConfig{
	RegisterLimit:  httpapi.NoLimit,
	ResetLimit:     httpapi.NoLimit,
	ResetUserLimit: httpapi.NoLimit,
	Logger:         slog.New(slog.DiscardHandler),
}

// newService returns the service, with no limits, on a fresh credentials
// directory inside a directory of its own, so that tests can check
// nothing is written beside it.
func newService(t *testing.T) (http.Handler, *cache.Cache) {
	t.Helper()
	c := newCache(t)
	return httpapi.HandlerWithConfig(c, unlimited), c
}

// newCache returns a cache on a fresh credentials directory inside a
// directory of its own.
func newCache(t *testing.T) *cache.Cache {
	t.Helper()
	c, err := cache.New(filepath.Join(t.TempDir(), "creds"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// post sends body to path on h and returns the status and answer.
func post(t *testing.T, h http.Handler, path, body string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		assert.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"))
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	}
	return rec.Code, rec.Body.String()
}

// tokenOf returns the token of a successful register or reset answer.
func tokenOf(t *testing.T, answer string) string {
	t.Helper()
	var got struct {
		Status bool   `json:"status"`
		Token  string `json:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &got), answer)
	require.True(t, got.Status, answer)
	require.Regexp(t, tokenShape, got.Token)
	require.Equal(t, `{"status":true,"token":"`+got.Token+`"}`, answer)
	return got.Token
}

func TestHandlerLifecycle(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)

	code, answer := post(t, h, "/register", `{"user":"alice","email":"alice@example.org"}`)
	require.Equal(t, http.StatusOK, code)
	token := tokenOf(t, answer)

	// Each step: path, body, status, exact answer. "TOKEN" and "NEW" stand
	// for the first and the reset token.
	var newToken string
	steps := []struct {
		name, path, body string
		wantCode         int
		wantAnswer       string
	}{
		{"register again", "/register", `{"user":"alice","email":"alice@example.org"}`, 200,
			`{"message":"User 'alice' already registered","status":false,"token":"<not-a-token>"}`},
		{"verify", "/verify", `{"user":"alice","token":"TOKEN"}`, 200,
			`{"message":"User verified","status":true,"verified":true}`},
		{"verify upper case", "/verify", `{"user":"alice","token":"UPPER"}`, 200,
			`{"message":"User verified","status":true,"verified":true}`},
		{"verify wrong token", "/verify", `{"user":"alice","token":"ff"}`, 200,
			`{"message":"Invalid token for user alice","status":true,"verified":false}`},
		{"verify too long a token", "/verify", `{"user":"alice","token":"` + strings.Repeat("f", 41) + `"}`, 200,
			`{"message":"Invalid token for user alice","status":true,"verified":false}`},
		{"verify unknown", "/verify", `{"user":"bob","token":"ff"}`, 200,
			`{"message":"User 'bob' not registered","status":false,"verified":false}`},
		{"reset wrong email", "/reset", `{"user":"alice","email":"eve@example.org"}`, 200,
			`{"message":"User email does not match registered email address","status":false,"token":"<not-a-token>"}`},
		{"reset unknown", "/reset", `{"user":"bob","email":"bob@example.org"}`, 200,
			`{"message":"User 'bob' not registered","status":false,"token":"<not-a-token>"}`},
		{"reset", "/reset", `{"email":"alice@example.org","user":"alice"}`, 200, "NEW"},
		{"old token no longer verifies", "/verify", `{"user":"alice","token":"TOKEN"}`, 200,
			`{"message":"Invalid token for user alice","status":true,"verified":false}`},
		{"new token verifies", "/verify", `{"user":"alice","token":"NEW"}`, 200,
			`{"message":"User verified","status":true,"verified":true}`},
		{"deregister with old token", "/deregister", `{"user":"alice","token":"TOKEN"}`, 200,
			`{"message":"Invalid token for user alice","status":false}`},
		{"deregister unknown", "/deregister", `{"user":"bob","token":"ff"}`, 200,
			`{"message":"User 'bob' not registered","status":false}`},
		{"deregister", "/deregister", `{"user":"alice","token":"NEW"}`, 200,
			`{"message":"alice deregistered","status":true}`},
		{"deregister again", "/deregister", `{"user":"alice","token":"NEW"}`, 200,
			`{"message":"User 'alice' not registered","status":false}`},
		{"verify after deregister", "/verify", `{"user":"alice","token":"NEW"}`, 200,
			`{"message":"User 'alice' not registered","status":false,"verified":false}`},
		{"register after deregister", "/register", `{"user":"alice","email":"alice@example.org"}`, 200, "NEW"},
	}
	for _, st := range steps {
		body := strings.NewReplacer("TOKEN", token, "UPPER", strings.ToUpper(token), "NEW", newToken).Replace(st.body)
		code, answer := post(t, h, st.path, body)
		require.Equal(t, st.wantCode, code, "%s: %s", st.name, answer)
		if st.wantAnswer == "NEW" {
			newToken = tokenOf(t, answer)
			assert.NotEqual(t, token, newToken, st.name)
			continue
		}
		require.Equal(t, st.wantAnswer, answer, st.name)
		assert.NotContains(t, answer, token, st.name)
	}
}

func TestHandlerEscapesAsPython(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)
	for _, user := range []string{"名前", "a<b>&c", `quo"te`, "𠮷野家"} {
		body, err := json.Marshal(map[string]string{"user": user, "email": "x@example.org"})
		require.NoError(t, err)
		code, answer := post(t, h, "/register", string(body))
		require.Equal(t, http.StatusOK, code, answer)
		tokenOf(t, answer)
	}
	tests := []struct {
		user, want string
	}{
		{"名前", `{"message":"User '\u540d\u524d' already registered","status":false,"token":"<not-a-token>"}`},
		{"a<b>&c", `{"message":"User 'a<b>&c' already registered","status":false,"token":"<not-a-token>"}`},
		{`quo"te`, `{"message":"User 'quo\"te' already registered","status":false,"token":"<not-a-token>"}`},
		{"𠮷野家", `{"message":"User '\ud842\udfb7\u91ce\u5bb6' already registered","status":false,"token":"<not-a-token>"}`},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"user": tt.user, "email": "x@example.org"})
			require.NoError(t, err)
			code, answer := post(t, h, "/register", string(body))
			assert.Equal(t, http.StatusOK, code)
			assert.Equal(t, tt.want, answer)
		})
	}
}

func TestHandlerBadInput(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	_, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	const parse = `{"message":"Unable to parse JSON."}`
	in := func(op, detail string) string {
		return `{"message":"Input to ` + op + ` is not valid: ` + detail + `"}`
	}
	tests := []struct {
		name, path, body string
		want             string
	}{
		{"empty body", "/register", ``, parse},
		{"not json", "/verify", `user=alice`, parse},
		{"truncated", "/reset", `{"user":"alice"`, parse},
		{"trailing garbage", "/verify", `{"user":"alice","token":"ff"} x`, parse},
		{"invalid UTF-8", "/register", "{\"user\":\"\xff\",\"email\":\"a@b.org\"}", parse},
		{"array", "/register", `[]`, in("Register", "the body must be a JSON object")},
		{"null", "/verify", `null`, in("Verify", "the body must be a JSON object")},
		{"string", "/deregister", `"alice"`, in("Deregister", "the body must be a JSON object")},
		{"empty object", "/register", `{}`, in("Register", `missing field \"email\"`)},
		{"missing user", "/reset", `{"email":"a@b.org"}`, in("Reset", `missing field \"user\"`)},
		{"missing token", "/verify", `{"user":"alice"}`, in("Verify", `missing field \"token\"`)},
		{"empty user", "/verify", `{"user":"","token":"ff"}`, in("Verify", `field \"user\" must not be empty`)},
		{"empty email", "/register", `{"user":"bob","email":""}`, in("Register", `field \"email\" must not be empty`)},
		{"number", "/deregister", `{"user":"alice","token":12}`, in("Deregister", `field \"token\" must be a string`)},
		{"null field", "/verify", `{"user":null,"token":"ff"}`, in("Verify", `field \"user\" must be a string`)},
		{"object field", "/reset", `{"user":{},"email":"a@b.org"}`, in("Reset", `field \"user\" must be a string`)},
		{"unknown field", "/register", `{"user":"bob","email":"b@example.org","admin":true}`, in("Register", `unknown field \"admin\"`)},
		{"token on register", "/register", `{"user":"bob","email":"b@example.org","token":"ff"}`, in("Register", `unknown field \"token\"`)},
		{"non-hex token", "/verify", `{"user":"alice","token":"zz"}`, in("Verify", `field \"token\" must be a hex number`)},
		{"prefixed token", "/deregister", `{"user":"alice","token":"0x1f"}`, in("Deregister", `field \"token\" must be a hex number`)},
		{"negative token", "/verify", `{"user":"alice","token":"-1"}`, in("Verify", `field \"token\" must be a hex number`)},
		{"path-like user on register", "/register", `{"user":"../escape","email":"e@example.org"}`, in("Register", `field \"user\" is not a usable user name: it starts with '.'`)},
		{"absolute user on verify", "/verify", `{"user":"/etc/passwd","token":"ff"}`, in("Verify", `field \"user\" is not a usable user name`)},
		{"dot user on deregister", "/deregister", `{"user":".fixiecreds-lock","token":"ff"}`, in("Deregister", `field \"user\" is not a usable user name: it starts with '.'`)},
		{"backslash user on reset", "/reset", `{"user":"a\\b","email":"e@example.org"}`, in("Reset", `field \"user\" is not a usable user name: it holds '/' or '\\'`)},
		{"NUL in user", "/register", `{"user":"a\u0000b","email":"e@example.org"}`, in("Register", `field \"user\" is not a usable user name: it holds a control character`)},
		{"invalid email", "/register", `{"user":"bob","email":"not an address"}`, in("Register", `field \"email\" is not a single email address`)},
		{"named email", "/reset", `{"user":"alice","email":"Alice <alice@example.org>"}`, in("Reset", `field \"email\" is not a single email address`)},
		{"duplicate user", "/register", `{"user":"mallory","email":"m@example.org","user":"bob"}`, in("Register", "duplicate field")},
		{"field in other case", "/verify", `{"User":"alice","token":"ff"}`, in("Verify", `unknown field \"User\"`)},
		{"lone high surrogate", "/register", `{"user":"a\ud800","email":"e@example.org"}`, in("Register", `field \"user\" holds an unpaired UTF-16 surrogate escape`)},
		{"lone low surrogate", "/register", `{"user":"a\udc00b","email":"e@example.org"}`, in("Register", `field \"user\" holds an unpaired UTF-16 surrogate escape`)},
		{"lone surrogate in a field name", "/register", `{"user\ud800":"a","email":"e@example.org"}`, in("Register", "a field name holds an unpaired UTF-16 surrogate escape")},
		{"reversed pair", "/register", `{"user":"\udc00\ud800","email":"e@example.org"}`, in("Register", `field \"user\" holds an unpaired UTF-16 surrogate escape`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, answer := post(t, h, tt.path, tt.body)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Equal(t, tt.want, answer)
		})
	}

	// Nothing was written outside the credentials directory, and only alice
	// inside it.
	entries, err := os.ReadDir(filepath.Dir(c.CredsDir()))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"alice"}, users)
}

func TestHandlerAcceptsEscapedPairsAndBackslashes(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	// An escaped surrogate pair is one character; an escaped backslash
	// before "u" starts no escape.
	code, answer := post(t, h, "/register", `{"user":"\ud842\udfb7\u91ce\u5bb6","email":"e@example.org"}`)
	require.Equal(t, http.StatusOK, code, answer)
	tokenOf(t, answer)
	_, err := c.GetUser("𠮷野家")
	require.NoError(t, err)
	code, answer = post(t, h, "/verify", `{"user":"x\\udc00y","token":"ff"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, answer, "is not a usable user name", "the name x\\udc00y has a backslash, and no surrogate")
}

func TestHandlerRefusesCrossOriginBrowsers(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no browser headers (curl, services)", nil, http.StatusOK},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(`{"user":"nobody","token":"ff"}`))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.want == http.StatusForbidden {
				assert.Equal(t, `{"message":"Cross-origin request refused"}`, rec.Body.String())
			}
		})
	}
}

func TestHandlerMethodsPathsAndLimits(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)
	tests := []struct {
		name, method, path string
		body               string
		wantCode           int
		wantAllow          string
		wantAnswer         string
	}{
		{name: "GET", method: http.MethodGet, path: "/verify", wantCode: 405, wantAllow: "POST", wantAnswer: `{"message":"Method Not Allowed"}`},
		{name: "PUT", method: http.MethodPut, path: "/register", wantCode: 405, wantAllow: "POST", wantAnswer: `{"message":"Method Not Allowed"}`},
		{name: "unknown path", method: http.MethodPost, path: "/login", wantCode: 404, wantAnswer: `{"message":"Not Found"}`},
		{name: "trailing slash", method: http.MethodPost, path: "/verify/", wantCode: 404, wantAnswer: `{"message":"Not Found"}`},
		{name: "root", method: http.MethodPost, path: "/", wantCode: 404, wantAnswer: `{"message":"Not Found"}`},
		{
			name: "body too large", method: http.MethodPost, path: "/register",
			body:     `{"user":"bob","email":"b@example.org","pad":"` + strings.Repeat("x", httpapi.MaxRequestBody) + `"}`,
			wantCode: 413, wantAnswer: `{"message":"Request body too large"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			assert.Equal(t, tt.wantCode, rec.Code)
			assert.Equal(t, tt.wantAllow, rec.Header().Get("Allow"))
			assert.Equal(t, tt.wantAnswer, rec.Body.String())
		})
	}
}

func TestHandlerCouldNotComplete(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	code, answer := post(t, h, "/register", `{"user":"alice","email":"alice@example.org"}`)
	require.Equal(t, http.StatusOK, code)
	token := tokenOf(t, answer)

	// Another program leaves a record that cannot be parsed.
	path, err := c.UserCredFile("alice")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(`{"user":"alice","hashed_`), 0o600))

	require.Eventually(t, func() bool {
		code, answer = post(t, h, "/verify", `{"user":"alice","token":"`+token+`"}`)
		return code == http.StatusInternalServerError
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, `{"message":"Verify could not complete"}`, answer)
	assert.NotContains(t, answer, token)
}

func TestHandlerMounted(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)

	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", h))
	e := echo.New()
	e.Any("/creds/*", echo.WrapHandler(http.StripPrefix("/creds", h)))

	for name, srvHandler := range map[string]http.Handler{"ServeMux": mux, "Echo": e} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(srvHandler)
			defer srv.Close()
			user := "user-" + name
			resp, err := srv.Client().Post(srv.URL+"/creds/register", "application/json",
				strings.NewReader(`{"user":"`+user+`","email":"u@example.org"}`))
			require.NoError(t, err)
			answer, err := io.ReadAll(resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			token := tokenOf(t, string(answer))

			resp, err = srv.Client().Post(srv.URL+"/creds/verify", "application/json",
				bytes.NewReader([]byte(`{"user":"`+user+`","token":"`+token+`"}`)))
			require.NoError(t, err)
			answer, err = io.ReadAll(resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)
			assert.Equal(t, `{"message":"User verified","status":true,"verified":true}`, string(answer))

			resp, err = srv.Client().Get(srv.URL + "/creds/verify")
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		})
	}
}

func TestHandlerNilCachePanics(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { httpapi.Handler(nil) })
}

// TestHandlerNewNamesArePRECIS shows that /register refuses, with a 400
// saying why, the names a person or a header cannot tell apart from
// another, and that such names already on disk still verify.
func TestHandlerNewNamesArePRECIS(t *testing.T) {
	t.Parallel()
	h, c := newService(t)
	tests := []struct {
		name, user, reason string
	}{
		{"trailing space", "bob ", `it holds a space (U+0020); new names hold none`},
		{"leading space", " bob", `it holds a space (U+0020); new names hold none`},
		{"a space", " ", `it holds a space (U+0020); new names hold none`},
		{"nfd", "cafe\u0301", `it holds decomposed characters; write it in Unicode NFC, as \"caf\\u00e9\"`},
		{"zero-width space", "bo\u200bb", `it holds U+200B`},
		{"soft hyphen", "bo\u00adb", `it holds U+00AD`},
		{"bom", "\ufeffbob", `it holds U+FEFF`},
		{"right-to-left override", "bob\u202etxt", `it holds U+202E`},
		{"fullwidth", "ｂｏｂ", `it holds fullwidth or halfwidth forms; write it as \"bob\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"user": tt.user, "email": "b@example.org"})
			require.NoError(t, err)
			code, answer := post(t, h, "/register", string(body))
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Contains(t, answer, `{"message":"Input to Register is not valid: field \"user\" is not a usable user name: `+tt.reason, answer)
		})
	}
	users, err := c.Users()
	require.NoError(t, err)
	assert.Empty(t, users)

	// A record another program wrote under such a name still verifies.
	ff, err := c.HashToken("ff")
	require.NoError(t, err)
	legacy := filepath.Join(c.CredsDir(), "bob .json")
	require.NoError(t, os.WriteFile(legacy, []byte(`{"email":"b@example.org","hashed_token":"`+ff+`","user":"bob "}`), 0o600))
	// The cache sees the new file once its watch does.
	require.Eventually(t, func() bool {
		code, answer := post(t, h, "/verify", `{"user":"bob ","token":"ff"}`)
		return code == http.StatusOK && answer == `{"message":"User verified","status":true,"verified":true}`
	}, 10*time.Second, time.Millisecond)
}
