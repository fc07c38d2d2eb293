package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// The Echo server takes the service's expiry fields and writes its
// -audit-log as the net/http one does.
func TestEchoExpiryAndAuditLog(t *testing.T) {
	t.Parallel()
	trail := filepath.Join(t.TempDir(), "audit.log")
	_, base := exampletest.StartServer(t, exampletest.Bin(t, "echo"), nil,
		"-addr", "127.0.0.1:0", "-dir", filepath.Join(t.TempDir(), "creds"), "-audit-log", trail)
	c := exampletest.NewClient(t, base)
	code, _, answer := c.PostRaw("/creds/register", `{"user":"alice","email":"alice@example.org","expires_in":2592000}`)
	require.Equal(t, http.StatusOK, code, answer)
	first := strings.TrimSuffix(strings.TrimPrefix(answer, `{"status":true,"token":"`), `"}`)
	code, _, answer = c.PostRaw("/creds/reset", `{"user":"alice","email":"alice@example.org","keep_previous":86400}`)
	require.Equal(t, http.StatusOK, code, answer)
	second := strings.TrimSuffix(strings.TrimPrefix(answer, `{"status":true,"token":"`), `"}`)
	for _, tok := range []string{first, second} {
		code, body := c.Hello("alice", tok)
		assert.Equal(t, http.StatusOK, code, "both tokens during the grace: %s", body)
	}
	data, err := os.ReadFile(trail)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 2, "%s", data)
	assert.Contains(t, lines[0], `"operation":"register","user":"alice","outcome":"ok","expires":"`)
	assert.Contains(t, lines[1], `"operation":"reset","user":"alice","outcome":"ok","previous_expires":"`)
	for _, tok := range []string{first, second} {
		assert.NotContains(t, string(data), tok)
	}
}
