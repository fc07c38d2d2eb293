package etcdstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

func TestNew(t *testing.T) {
	t.Parallel()
	c := newClient(t, shared.endpoint())
	tests := []struct {
		name   string
		client *clientv3.Client
		prefix string
		ok     bool
	}{
		{"prefix with a slash", c, "/fixiecreds/", true},
		{"slash alone", c, "/", true},
		{"nil client", nil, "/fixiecreds/", false},
		{"empty prefix", c, "", false},
		{"prefix without a slash", c, "/fixiecreds", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := etcdstore.New(tt.client, tt.prefix)
			if !tt.ok {
				assert.Error(t, err)
				assert.Nil(t, s)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.prefix, s.Prefix())
		})
	}
}

// TestKeysAndValues: a user's key is prefix+user and its value the exact
// bytes of the user's credentials file, so that records move between a
// directory and etcd unchanged.
func TestKeysAndValues(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	client := newClient(t, shared.endpoint())
	s, err := etcdstore.New(client, prefix)
	require.NoError(t, err)
	onEtcd, _ := openCache(t, s)
	onDir, err := cache.New(t.TempDir(), cache.WithLogger(quiet))
	require.NoError(t, err)
	t.Cleanup(func() { onDir.Close() })

	// The vector of the design: token ff.
	hash, err := onEtcd.HashToken("ff")
	require.NoError(t, err)
	for _, c := range []*cache.Cache{onEtcd, onDir} {
		require.NoError(t, c.WriteUser("名前", "a@b.org", hash))
	}
	want := `{"email":"a@b.org","hashed_token":"eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886","user":"\u540d\u524d"}`
	resp, err := client.Get(bg(), prefix+"名前")
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 1)
	assert.Equal(t, want, string(resp.Kvs[0].Value), "etcd value")
	file, err := os.ReadFile(filepath.Join(onDir.CredsDir(), "名前.json"))
	require.NoError(t, err)
	assert.Equal(t, string(file), string(resp.Kvs[0].Value), "etcd value and file differ")

	// A record put by another tool is read as is; Version is the key's
	// ModRevision.
	put, err := client.Put(bg(), prefix+"bob", strings.Replace(want, `\u540d\u524d`, "bob", 1))
	require.NoError(t, err)
	rec, err := s.Read(bg(), "bob")
	require.NoError(t, err)
	assert.Equal(t, cache.Version(itoa(put.Header.Revision)), rec.Version)
	// A name registered elsewhere is seen once the feed delivers it,
	// within the trust window.
	waitFor(t, "bob's record", func() bool {
		ok, err := onEtcd.Verify("bob", "FF")
		return err == nil && ok
	})

	users, err := onEtcd.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"bob", "名前"}, users)
}

// TestNames: a name that the cache would refuse never reaches etcd, so
// that no key outside the prefix is ever touched; keys under the prefix
// that name no user are listed, and the cache leaves them out.
func TestNames(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	client := newClient(t, shared.endpoint())
	s, err := etcdstore.New(client, prefix)
	require.NoError(t, err)
	data := []byte(`{"email":"a@b.org","hashed_token":"` + strings.Repeat("0", 64) + `","user":"x"}`)
	for _, user := range []string{"", "../x", "a/b", `a\b`, ".hidden", "nul\x00", "tab\t", "\xff", strings.Repeat("a", 251)} {
		_, err := s.Read(bg(), user)
		assert.ErrorIs(t, err, cache.ErrInvalidUser, "Read %q", user)
		assert.ErrorIs(t, s.Create(bg(), user, data), cache.ErrInvalidUser, "Create %q", user)
		assert.ErrorIs(t, s.Put(bg(), user, data), cache.ErrInvalidUser, "Put %q", user)
		assert.ErrorIs(t, s.CompareAndSwap(bg(), user, "1", data), cache.ErrInvalidUser, "CompareAndSwap %q", user)
		assert.ErrorIs(t, s.Remove(bg(), user), cache.ErrInvalidUser, "Remove %q", user)
	}
	resp, err := client.Get(bg(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	assert.Zero(t, resp.Count, "keys written under the prefix")

	for _, key := range []string{prefix, prefix + "sub/alice", prefix + ".hidden"} {
		_, err := client.Put(bg(), key, "x")
		require.NoError(t, err)
	}
	require.NoError(t, s.Create(bg(), strings.Repeat("a", 250), data))
	listed, err := s.List(bg())
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"", "sub/alice", ".hidden", strings.Repeat("a", 250)}, listed)
	c, _ := openCache(t, s)
	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{strings.Repeat("a", 250)}, users)
}

// TestListPages: List reads a prefix a page at a time, and lists every
// key.
func TestListPages(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	client := newClient(t, shared.endpoint())
	s, err := etcdstore.New(client, prefix)
	require.NoError(t, err)
	etcdstore.SetListPage(s, 10)
	var want []string
	for i := range 25 {
		user := "u" + itoa(int64(i))
		want = append(want, user)
		_, err := client.Put(bg(), prefix+user, "x")
		require.NoError(t, err)
	}
	got, err := s.List(bg())
	require.NoError(t, err)
	assert.ElementsMatch(t, want, got)
}

// TestErrors: failures say which user and why, wrap the context's error
// when it ended, and never hold a record's content.
func TestErrors(t *testing.T) {
	t.Parallel()
	prefix := newPrefix(t)
	p := newProxy(t, shared.endpoint())
	s := newStore(t, p.addr(), prefix)
	secret := `{"email":"secret@b.org","hashed_token":"` + strings.Repeat("5", 64) + `","user":"alice"}`
	require.NoError(t, s.Create(bg(), "alice", []byte(secret)))
	rec, err := s.Read(bg(), "alice")
	require.NoError(t, err)

	err = s.Create(bg(), "alice", []byte(secret))
	require.ErrorIs(t, err, cache.ErrAlreadyRegistered)
	assert.Contains(t, err.Error(), `"alice"`)
	err = s.CompareAndSwap(bg(), "alice", "not a version", []byte(secret))
	assert.ErrorIs(t, err, cache.ErrConflict)

	p.Stall()
	defer p.Resume()
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Read", func(ctx context.Context) error { _, err := s.Read(ctx, "alice"); return err }},
		{"Put", func(ctx context.Context) error { return s.Put(ctx, "alice", []byte(secret)) }},
		{"CompareAndSwap", func(ctx context.Context) error { return s.CompareAndSwap(ctx, "alice", rec.Version, []byte(secret)) }},
		{"Remove", func(ctx context.Context) error { return s.Remove(ctx, "alice") }},
	}
	for _, c := range calls {
		ctx, cancel := context.WithTimeout(bg(), 50*time.Millisecond)
		err := c.call(ctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, c.name)
		assert.Contains(t, err.Error(), `"alice"`, c.name)
		assert.NotContains(t, err.Error(), "secret", c.name)
		assert.NotContains(t, err.Error(), "5555", c.name)
	}
}
