package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// A directory moves into etcd and back byte for byte, its users keep their
// tokens, and a record that differs on the other side is never
// overwritten.
func TestCredsctlImportExport(t *testing.T) {
	t.Parallel()
	e := newEtcd(t)
	dir := credsDir(t)
	tokens := map[string]string{}
	for _, u := range []string{"alice", "bob", "名前"} {
		tokens[u] = issued(t, ctl(t, dir, "", "register", u, u+"@example.org"))
	}

	r := e.ctl(t, "", "import", dir)
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "copied     alice\ncopied     bob\ncopied     名前\n", r.Stdout)
	assert.Contains(t, r.Stderr, "to etcd "+e.endpoint+" (prefix /credsctl-test/): 3 copied, 0 identical (there already), 0 refused, 0 skipped.\n")

	store := e.store(t)
	for u, token := range tokens {
		file, err := os.ReadFile(filepath.Join(dir, u+".json"))
		require.NoError(t, err)
		assert.Equal(t, string(file), string(record(t, store, u)), "the exact bytes of %s", u)
		assert.NotContains(t, string(file), token)
	}
	creds, err := cache.Open(store, cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	for u, token := range tokens {
		ok, err := creds.Verify(u, token)
		assert.True(t, ok, "%s keeps the token on etcd", u)
		assert.NoError(t, err)
	}

	// Again: nothing to do.
	r = e.ctl(t, "", "import", dir)
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "identical  alice\nidentical  bob\nidentical  名前\n", r.Stdout)

	// Back out into a new directory: the same files.
	out := filepath.Join(t.TempDir(), "exported")
	r = e.ctl(t, "", "export", out)
	require.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "copied     alice\ncopied     bob\ncopied     名前\n", r.Stdout)
	assert.Equal(t, readDir(t, dir), readDir(t, out))
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	fi, err = os.Stat(filepath.Join(out, "alice.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// alice resets on etcd: the directory's record is older, and neither
	// side's is overwritten by the other's.
	newToken := issued(t, e.ctl(t, "", "reset", "alice", "alice@example.org"))
	onEtcd := record(t, store, "alice")
	inDir := readDir(t, dir)["alice.json"]

	r = e.ctl(t, "", "import", dir)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "identical  bob\nidentical  名前\n", r.Stdout)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "alice": etcd `+e.endpoint+` (prefix /credsctl-test/) has a different record for this user; it was left as it is`)
	assert.Contains(t, r.Stderr, "0 copied, 2 identical (there already), 1 refused, 0 skipped.\n")
	assert.Contains(t, r.Stderr, "credsctl: 1 record(s) not copied: see above\n")
	assert.Equal(t, onEtcd, record(t, store, "alice"))

	r = e.ctl(t, "", "export", dir)
	assert.Equal(t, 1, r.Code)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "alice": `+dir+` has a different record for this user`)
	assert.Equal(t, inDir, readDir(t, dir)["alice.json"])

	fresh, err := cache.Open(store, cache.WithWatch(false)) // creds may trust alice's old record for a second
	require.NoError(t, err)
	t.Cleanup(func() { fresh.Close() })
	ok, err := fresh.Verify("alice", newToken)
	assert.True(t, ok)
	assert.NoError(t, err)
	for _, out := range []string{r.Stdout, r.Stderr} {
		assert.NotContains(t, out, newToken)
	}
}

// Records that are not valid records of their user are not copied, and
// keys that name no user are skipped.
func TestCredsctlImportRefusesInvalidRecords(t *testing.T) {
	t.Parallel()
	e := newEtcd(t)
	dir := credsDir(t)
	issued(t, ctl(t, dir, "", "register", "alice", "alice@example.org"))
	hash := `"hashed_token":"eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"`
	for name, data := range map[string]string{
		"junk.json":  `{"email":`,
		"bob.json":   `{"email":"b@example.org",` + hash + `,"user":"eve"}`,
		"carol.json": `{"email":"c@example.org","hashed_token":"ff","user":"carol"}`,
		"dave.json":  "{\"email\":\"d@example.org\",\n " + hash + ",\"user\":\"dave\"}\n",
		"erin.json":  `{` + hash + `,"user":"erin"}`,
		"fred.json":  `{"email":"f@example.org",` + hash + `,"USER":"fred"}`,
	} {
		require.NoError(t, writeFile(filepath.Join(dir, name), []byte(data)))
	}

	r := e.ctl(t, "", "import", dir)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "copied     alice\ncopied     dave\n", r.Stdout, "any valid record, as it is")
	assert.Contains(t, r.Stderr, `credsctl: not copied: "bob": the record's "user" is not this user`)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "carol": the record's "hashed_token" is not 64 hex digits`)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "junk": the record is not valid JSON`)
	assert.Contains(t, r.Stderr, `credsctl: not copied: "erin": cache: unusable record for "erin": "email" missing or not a string`, "a record the cache cannot read")
	assert.Contains(t, r.Stderr, `credsctl: not copied: "fred": `, "a key the cache does not read")
	assert.Contains(t, r.Stderr, "2 copied, 0 identical (there already), 5 refused, 0 skipped.\n")

	// A key below the prefix that names no user stays in etcd.
	store := e.store(t)
	client := etcdClientOf(t, e)
	_, err := client.Put(context.Background(), e.prefix+"notes/x", "not a record")
	require.NoError(t, err)
	r = e.ctl(t, "", "export", filepath.Join(t.TempDir(), "out"))
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Equal(t, "copied     alice\ncopied     dave\n", r.Stdout)
	assert.Contains(t, r.Stderr, `credsctl: skipped "notes/x": not a user name`)
	assert.Equal(t, "{\"email\":\"d@example.org\",\n "+hash+",\"user\":\"dave\"}\n", string(record(t, store, "dave")))
}

// readDir returns the content of each file in dir.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	files := map[string]string{}
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue // the cache's lock file
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		files[e.Name()] = string(data)
	}
	return files
}

func writeFile(name string, data []byte) error { return os.WriteFile(name, data, 0o600) }

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
