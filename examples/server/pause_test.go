//go:build unix

package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// TestPausedServerAcceptsNoRevokedToken: a server stopped while another
// process resets its users' tokens accepts none of the old tokens sent
// while it was stopped, however recently it had verified them.
func TestPausedServerAcceptsNoRevokedToken(t *testing.T) {
	t.Parallel()
	p, c, dir := start(t)
	tokens := map[string]string{}
	for i := range 10 {
		user := fmt.Sprintf("user%d", i)
		tokens[user] = c.Register(user, user+"@example.org")
	}
	other, err := cache.New(dir)
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	accepted := exampletest.PauseRounds(t, p, c.Base(), tokens, 5, func(users []string) map[string]string {
		fresh := map[string]string{}
		for _, user := range users {
			token, err := other.Reset(user, user+"@example.org")
			require.NoError(t, err)
			fresh[user] = token
		}
		return fresh
	})
	assert.Zero(t, accepted, "revoked tokens accepted by a server that was stopped while they were revoked")
}
