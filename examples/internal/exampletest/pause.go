//go:build unix

package exampletest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Pause is how long PauseRounds keeps a server stopped: several trust
// windows (100 ms by default), as a stopped process, a frozen VM or a
// starved scheduler would.
const Pause = 500 * time.Millisecond

// PauseRounds checks that a server that was stopped accepts no token that
// was revoked while it was: for each round, it has each user's current
// token accepted on a kept-alive connection of the user's own, stops the
// server (SIGSTOP), has reset revoke every token and return the new ones,
// holds the stop for Pause, sends each old token on its connection, where
// the request waits, and lets the server go on (SIGCONT). It returns how
// many revoked tokens were accepted then, which must be 0, and fails the
// test if a new token is then refused.
func PauseRounds(t *testing.T, p *Proc, base string, tokens map[string]string, rounds int, reset func(users []string) map[string]string) (accepted int) {
	t.Helper()
	users := make([]string, 0, len(tokens))
	conns := map[string]*keptConn{}
	for user := range tokens {
		users = append(users, user)
		conns[user] = dialKept(t, base)
	}
	for round := range rounds {
		for _, user := range users {
			require.Equalf(t, http.StatusOK, conns[user].hello(t, user, tokens[user]), "round %d: %s's current token before the pause", round, user)
		}
		p.Signal(t, syscall.SIGSTOP)
		stopped := true
		cont := func() {
			if stopped {
				p.Signal(t, syscall.SIGCONT)
				stopped = false
			}
		}
		t.Cleanup(cont)
		fresh := reset(users)
		time.Sleep(Pause) // the fault itself: the server stays stopped this long
		for _, user := range users {
			conns[user].send(t, user, tokens[user])
		}
		cont()
		for _, user := range users {
			if code := conns[user].read(t); code != http.StatusUnauthorized {
				require.Equalf(t, http.StatusOK, code, "round %d: %s's revoked token", round, user)
				accepted++
			}
		}
		tokens = fresh
		for _, user := range users {
			require.Equalf(t, http.StatusOK, conns[user].hello(t, user, tokens[user]), "round %d: %s's new token after the pause", round, user)
		}
	}
	return accepted
}

// keptConn is one kept-alive HTTP/1.1 connection, on which a request can
// be sent while the server is stopped and its answer read later.
type keptConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialKept(t *testing.T, base string) *keptConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), Timeout)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &keptConn{c: c, r: bufio.NewReader(c)}
}

func (k *keptConn) send(t *testing.T, user, token string) {
	t.Helper()
	require.NoError(t, k.c.SetDeadline(time.Now().Add(Timeout)))
	_, err := fmt.Fprintf(k.c, "GET /hello HTTP/1.1\r\nHost: test\r\nX-Fixie-User: %s\r\nX-Fixie-Token: %s\r\n\r\n", user, token)
	require.NoError(t, err)
}

func (k *keptConn) read(t *testing.T) int {
	t.Helper()
	require.NoError(t, k.c.SetDeadline(time.Now().Add(Timeout)))
	resp, err := http.ReadResponse(k.r, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

func (k *keptConn) hello(t *testing.T, user, token string) int {
	t.Helper()
	k.send(t, user, token)
	return k.read(t)
}
