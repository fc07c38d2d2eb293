package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// Two servers on one etcd prefix: a token registered with an expiry
// through one is refused by both once it expires, and the -audit-log of
// the server that took the request has its line.
func TestEtcdServersShareExpiry(t *testing.T) {
	t.Parallel()
	prefix := newPrefix()
	trail := filepath.Join(t.TempDir(), "audit.log")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "etcdserver"), nil,
		"-addr", "127.0.0.1:0", "-etcd", etcdEndpoint, "-etcd-prefix", prefix, "-audit-log", trail)
	c1 := exampletest.NewClient(t, base)
	_, c2 := start(t, etcdEndpoint, prefix)

	code, _, answer := c1.PostRaw("/creds/register", `{"user":"alice","email":"alice@example.org","expires_in":2}`)
	require.Equal(t, http.StatusOK, code, answer)
	var a struct{ Token string }
	require.NoError(t, json.Unmarshal([]byte(answer), &a))
	data, err := os.ReadFile(trail)
	require.NoError(t, err)
	var line struct{ Operation, User, Outcome, Expires string }
	require.NoError(t, json.Unmarshal(data, &line), "%s", data)
	assert.Equal(t, "register", line.Operation)
	assert.Equal(t, "ok", line.Outcome)
	expires, err := time.Parse(time.RFC3339, line.Expires)
	require.NoError(t, err)
	assert.NotContains(t, string(data), a.Token)

	for _, c := range []*exampletest.Client{c1, c2} {
		before := time.Now()
		code, _ := c.Hello("alice", a.Token)
		if time.Now().Before(expires) {
			assert.Equal(t, http.StatusOK, code, "before the expiry")
		} else if !before.Before(expires) {
			assert.Equal(t, http.StatusUnauthorized, code, "after the expiry")
		}
	}
	for _, c := range []*exampletest.Client{c1, c2} {
		c.WaitHello("alice", a.Token, http.StatusUnauthorized)
		assert.False(t, time.Now().Before(expires), "refused before it expired")
		_, _, body := c.Get("/hello", map[string]string{"X-Fixie-User": "alice", "X-Fixie-Token": a.Token})
		assert.JSONEq(t, `{"message":"Unauthorized"}`, body, "the 401 of any refusal")
	}
	assert.True(t, strings.HasSuffix(string(data), "\n"))
}
