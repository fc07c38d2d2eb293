package main

import (
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "etcdcluster")) }

// startCluster runs the demo with n servers on free ports and returns it
// with a client for each server.
func startCluster(t *testing.T, n int) (*exampletest.Proc, []*exampletest.Client) {
	t.Helper()
	p := exampletest.Start(t, exampletest.Bin(t, "etcdcluster"), nil,
		"-servers", strconv.Itoa(n), "-addr", "127.0.0.1:0", "-etcd", "127.0.0.1:0")
	clients := make([]*exampletest.Client, n)
	for i := range clients {
		m := p.WaitLog(t, regexp.MustCompile(`msg=listening server=`+strconv.Itoa(i+1)+` addr=(\S+)`))
		clients[i] = exampletest.NewClient(t, "http://"+m[1])
	}
	return p, clients
}

func TestClusterPropagatesReset(t *testing.T) {
	t.Parallel()
	p, c := startCluster(t, 3)
	etcd := p.WaitLog(t, regexp.MustCompile(`etcd +(127\.0\.0\.1:\d+) +data in`))[1]
	p.WaitLog(t, regexp.MustCompile(`go run ./examples/credsctl -etcd `+regexp.QuoteMeta(etcd)+` list`))
	p.WaitLog(t, regexp.MustCompile(`Ctrl-C stops everything`))

	token := c[0].Register("alice", "alice@example.org")
	for i, s := range c {
		s.WaitHello("alice", token, http.StatusOK) // the others learn of alice through etcd's watch
		code, body := s.Hello("alice", token)
		assert.Equal(t, http.StatusOK, code, "server %d", i+1)
		assert.Equal(t, "Hello, alice!\n", body, "server %d", i+1)
	}

	// Reset through the third: the others, which cached the old token,
	// refuse it as soon as etcd's watch tells them.
	newToken := c[2].Reset("alice", "alice@example.org")
	for _, s := range c {
		s.WaitHello("alice", token, http.StatusUnauthorized)
		code, _ := s.Hello("alice", newToken)
		assert.Equal(t, http.StatusOK, code)
	}

	require.Equal(t, 0, p.Stop(t, syscall.SIGINT))
	assert.Regexp(t, `msg="shutting down" server=1(.|\n)*msg=stopped`, p.Output())
	assert.NotContains(t, p.Output(), "level=ERROR")
	assert.NotContains(t, p.Output(), token)
	assert.NotContains(t, p.Output(), newToken)
}

func TestClusterStartFailures(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { taken.Close() })

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "-servers"},
		{"help names the port", []string{"-h"}, 0, `(default "127.0.0.1:8091")`},
		{"unknown flag", []string{"-dir", "x"}, 2, "flag provided but not defined: -dir"},
		{"extra argument", []string{"extra"}, 2, `unexpected argument "extra"`},
		{"no servers", []string{"-servers", "0"}, 2, "-servers 0: run 1 to 9"},
		{"port taken", []string{"-etcd", "127.0.0.1:0", "-addr", taken.Addr().String()}, 1, "address already in use"},
		{"bad prefix", []string{"-etcd", "127.0.0.1:0", "-addr", "127.0.0.1:0", "-etcd-prefix", "users"}, 1, `prefix \"users\" does not end with '/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := exampletest.Run(t, exampletest.Bin(t, "etcdcluster"), nil, "", tt.args...)
			assert.Equal(t, tt.code, r.Code)
			assert.Contains(t, r.Stderr, tt.want)
		})
	}
}

func TestServerAddrs(t *testing.T) {
	tests := []struct {
		first string
		n     int
		want  []string
		err   bool
	}{
		{"127.0.0.1:8091", 3, []string{"127.0.0.1:8091", "127.0.0.1:8092", "127.0.0.1:8093"}, false},
		{"localhost:0", 2, []string{"localhost:0", "localhost:0"}, false},
		{"[::1]:9000", 1, []string{"[::1]:9000"}, false},
		{"127.0.0.1:65535", 2, nil, true},
		{"127.0.0.1", 1, nil, true},
		{"127.0.0.1:http", 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.first, func(t *testing.T) {
			got, err := serverAddrs(tt.first, tt.n)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
