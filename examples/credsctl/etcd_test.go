package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
	"github.com/fixiecreds/fixiecreds/examples/internal/embedetcd"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// testEtcd is an etcd for one test, and a prefix on it.
type testEtcd struct {
	endpoint, prefix string
}

// newEtcd starts an etcd for the test, stopped at its end, after the
// clients the test makes later.
func newEtcd(t *testing.T) testEtcd {
	t.Helper()
	srv, err := embedetcd.Start(embedetcd.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return testEtcd{endpoint: srv.Endpoint(), prefix: "/credsctl-test/"}
}

// ctl runs credsctl on the etcd with stdin and args.
func (e testEtcd) ctl(t *testing.T, stdin string, args ...string) exampletest.Result {
	t.Helper()
	return exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, stdin,
		append([]string{"-etcd", e.endpoint, "-etcd-prefix", e.prefix}, args...)...)
}

// store returns a store on the etcd's prefix, through a client closed at
// the end of the test.
func (e testEtcd) store(t *testing.T) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.New(etcdClientOf(t, e), e.prefix)
	require.NoError(t, err)
	return s
}

// etcdClientOf returns a client on the etcd, closed at the end of the
// test.
func etcdClientOf(t *testing.T, e testEtcd) *clientv3.Client {
	t.Helper()
	client, err := etcdconn.NewClient([]string{e.endpoint}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	return client
}

// record returns the bytes of user's record in s.
func record(t *testing.T, s cache.Store, user string) []byte {
	t.Helper()
	rec, err := s.Read(context.Background(), user)
	require.NoError(t, err)
	return rec.Data
}

func TestCredsctlOnEtcd(t *testing.T) {
	t.Parallel()
	e := newEtcd(t)
	unused := filepath.Join(t.TempDir(), "creds")
	token := issued(t, exampletest.Run(t, exampletest.Bin(t, "credsctl"), []string{"FIXIE_CREDS_DIR=" + unused}, "",
		"-etcd", e.endpoint, "-etcd-prefix", e.prefix, "register", "alice", "alice@example.org"))
	assert.NoDirExists(t, unused, "with -etcd, no directory is made")
	issued(t, e.ctl(t, "", "register", "bob", "bob@example.org"))

	creds, err := cache.Open(e.store(t), cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	hash, err := creds.HashToken(token)
	require.NoError(t, err)

	r := e.ctl(t, "", "show", "alice")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "user: alice\nemail: alice@example.org\n"+
		"hashed_token (SHA-256, not a token): "+hash+"\n"+
		"etcd key: /credsctl-test/alice (no file: the record is in etcd)\n", r.Stdout)

	r = e.ctl(t, "", "list")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "alice\nbob\n", r.Stdout)
	r = exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, "", "list", "-etcd", e.endpoint, "-etcd-prefix", e.prefix)
	assert.Equal(t, 0, r.Code, "flags after the command; stderr: %s", r.Stderr)
	assert.Equal(t, "alice\nbob\n", r.Stdout)
	r = exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, "", "-etcd", e.endpoint, "-etcd-prefix", "/other/", "list")
	assert.Equal(t, 0, r.Code)
	assert.Empty(t, r.Stdout, "another prefix, another deployment")

	r = e.ctl(t, token+"\n", "verify", "alice")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "Token verified for alice.\n", r.Stdout)
	ok, err := creds.Verify("alice", token)
	assert.True(t, ok, "what a server on the same etcd sees")
	assert.NoError(t, err)

	newToken := issued(t, e.ctl(t, "", "reset", "alice", "alice@example.org"))
	r = e.ctl(t, token, "verify", "alice")
	assert.Equal(t, 1, r.Code, "old token after reset")
	assert.Equal(t, "credsctl: token refused for \"alice\"\n", r.Stderr)
	r = e.ctl(t, newToken, "verify", "alice")
	assert.Equal(t, 0, r.Code, "new token after reset")

	r = e.ctl(t, "", "deregister", "alice")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "Removed alice.\n", r.Stdout)
	r = e.ctl(t, "", "list")
	assert.Equal(t, "bob\n", r.Stdout)
	r = e.ctl(t, "", "show", "alice")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "credsctl: user \"alice\" is not registered\n", r.Stderr)
}

func TestCredsctlEtcdFailures(t *testing.T) {
	t.Parallel()
	e := newEtcd(t)
	closed := freeAddr(t)
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, writeFile(notADir, nil))
	missing := filepath.Join(t.TempDir(), "missing")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"-dir and -etcd", []string{"-dir", t.TempDir(), "-etcd", e.endpoint, "list"}, 2, "-dir and -etcd name two places for the records: give one"},
		{"prefix without slash", []string{"-etcd", e.endpoint, "-etcd-prefix", "/users", "list"}, 2, `prefix "/users" does not end with '/'`},
		{"no endpoint", []string{"-etcd", ",", "list"}, 2, "-etcd names no endpoint"},
		{"etcd out of reach", []string{"-etcd", closed, "list"}, 3, "no answer from etcd at " + closed + " within 5s"},
		{"import a missing directory", []string{"-etcd", e.endpoint, "import", missing}, 3, "cannot import " + missing + ": no such file or directory"},
		{"import a file", []string{"-etcd", e.endpoint, "import", notADir}, 2, "cannot import " + notADir + ": not a directory"},
		{"export from a missing directory", []string{"-dir", missing, "export", t.TempDir()}, 3, "credentials directory does not exist: " + missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := exampletest.Run(t, exampletest.Bin(t, "credsctl"), nil, "", tt.args...)
			assert.Equal(t, tt.code, r.Code, "stderr: %s", r.Stderr)
			assert.Contains(t, r.Stderr, tt.stderr)
			assert.Empty(t, r.Stdout)
		})
	}
	assert.NoDirExists(t, missing, "import and export never make their source")
}
