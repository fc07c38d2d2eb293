package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// TestHandlerOnOutcome shows what the service reports of each request,
// for metrics: the operation, the result and, for a 429, the limit.
func TestHandlerOnOutcome(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	var mu sync.Mutex
	var got []httpapi.Outcome
	h := httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{
		RegisterLimit:  httpapi.Limit{Requests: 4, Per: time.Hour},
		ResetUserLimit: httpapi.Limit{Requests: 1, Per: time.Hour},
		MaxUsers:       2,
		Logger:         slog.New(slog.DiscardHandler),
		OnOutcome: func(_ *http.Request, o httpapi.Outcome) {
			mu.Lock()
			got = append(got, o)
			mu.Unlock()
		},
	})
	post := func(path, body string) string {
		rec := postFrom(h, "192.0.2.1:1", path, body)
		return rec.Body.String()
	}
	var answer struct{ Token string }
	require.NoError(t, json.Unmarshal([]byte(post("/register", registerBody("alice"))), &answer))
	post("/register", registerBody("alice"))
	post("/register", `{"user":"bob"}`)
	post("/register", registerBody("bob"))
	post("/register", registerBody("carol"))
	postFrom(h, "192.0.2.2:1", "/register", registerBody("carol"))
	post("/verify", `{"user":"alice","token":"`+answer.Token+`"}`)
	post("/verify", `{"user":"alice","token":"ff"}`)
	post("/verify", `{"user":"nobody","token":"ff"}`)
	post("/deregister", `{"user":"alice","token":"ff"}`)
	post("/reset", `{"user":"alice","email":"eve@example.org"}`)
	post("/reset", `{"user":"alice","email":"alice@example.org"}`)
	postFrom(h, "192.0.2.1:1", "/nowhere", "{}")
	req, err := http.NewRequest(http.MethodGet, "/verify", nil)
	require.NoError(t, err)
	h.ServeHTTP(nopResponse{}, req)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []httpapi.Outcome{
		{Op: "register", Result: "ok"},
		{Op: "register", Result: "already_registered"},
		{Op: "register", Result: "invalid"},
		{Op: "register", Result: "ok"},
		{Op: "register", Result: "limited", Limit: "register"},
		{Op: "register", Result: "full"},
		{Op: "verify", Result: "ok"},
		{Op: "verify", Result: "wrong_token"},
		{Op: "verify", Result: "not_registered"},
		{Op: "deregister", Result: "wrong_token"},
		{Op: "reset", Result: "email_mismatch"},
		{Op: "reset", Result: "limited", Limit: "reset_user"},
		{Op: "verify", Result: "invalid"}, // GET
	}, got)
}

// nopResponse is a ResponseWriter that drops the answer.
type nopResponse struct{}

func (nopResponse) Header() http.Header         { return http.Header{} }
func (nopResponse) Write(p []byte) (int, error) { return len(p), nil }
func (nopResponse) WriteHeader(int)             {}
