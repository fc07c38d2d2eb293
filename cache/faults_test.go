package cache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultStore fails reads of chosen users, and every write, while told to.
type faultStore struct {
	Store
	mu       sync.Mutex
	readErr  map[string]error
	writeErr error
}

func (f *faultStore) set(user string, readErr, writeErr error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr == nil {
		f.readErr = map[string]error{}
	}
	f.readErr[user] = readErr
	f.writeErr = writeErr
}

func (f *faultStore) rerr(user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.readErr[user]
}

func (f *faultStore) werr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writeErr
}

func (f *faultStore) Read(ctx context.Context, user string) (Record, error) {
	if err := f.rerr(user); err != nil {
		return Record{}, &fs.PathError{Op: "open", Path: user + recordExt, Err: err}
	}
	return f.Store.Read(ctx, user)
}

func (f *faultStore) Create(ctx context.Context, user string, rec []byte) error {
	if err := f.werr(); err != nil {
		return err
	}
	return f.Store.Create(ctx, user, rec)
}

func (f *faultStore) Put(ctx context.Context, user string, rec []byte) error {
	if err := f.werr(); err != nil {
		return err
	}
	return f.Store.Put(ctx, user, rec)
}

func (f *faultStore) CompareAndSwap(ctx context.Context, user string, old Version, rec []byte) error {
	if err := f.werr(); err != nil {
		return err
	}
	return f.Store.CompareAndSwap(ctx, user, old, rec)
}

func (f *faultStore) Remove(ctx context.Context, user string) error {
	if err := f.werr(); err != nil {
		return err
	}
	return f.Store.Remove(ctx, user)
}

func newFaultCache(t *testing.T, opts ...Option) (*Cache, *faultStore) {
	t.Helper()
	var fst *faultStore
	c := newTestCache(t, append(opts, func(cfg *config) error {
		cfg.wrapStore = func(s Store) Store {
			fst = &faultStore{Store: s}
			return fst
		}
		return nil
	})...)
	return c, fst
}

// registerPair registers alice and bob and returns their tokens.
func registerPair(t *testing.T, c *Cache) (alice, bob string) {
	t.Helper()
	alice, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	bob, err = c.Register("bob", "b@b.org")
	require.NoError(t, err)
	return alice, bob
}

func assertVerifies(t *testing.T, c *Cache, user, token string) {
	t.Helper()
	ok, err := c.Verify(user, token)
	require.NoError(t, err, user)
	assert.True(t, ok, user)
}

// eventuallyVerifies waits until the user's token verifies again.
func eventuallyVerifies(t *testing.T, c *Cache, user, token string) {
	t.Helper()
	waitFor(t, user+" verifies", func() bool {
		ok, err := c.Verify(user, token)
		return ok && err == nil
	})
}

func TestFaultUnreadableRecord(t *testing.T) {
	c, fst := newFaultCache(t)
	alice, bob := registerPair(t, c)
	fst.set("bob", syscall.EACCES, nil)

	ok, err := c.Verify("bob", bob)
	assert.False(t, ok)
	assert.ErrorIs(t, err, fs.ErrPermission)
	assert.NotErrorIs(t, err, ErrNotRegistered)
	assert.NotContains(t, err.Error(), bob)
	_, err = c.Reset("bob", "b@b.org")
	assert.ErrorIs(t, err, fs.ErrPermission)
	assert.ErrorIs(t, c.Deregister("bob", bob), fs.ErrPermission)
	assertVerifies(t, c, "alice", alice)

	fst.set("bob", nil, nil)
	assertVerifies(t, c, "bob", bob)
}

func TestFaultReadOnlyDirectory(t *testing.T) {
	c, fst := newFaultCache(t)
	alice, bob := registerPair(t, c)
	fst.set("", nil, &fs.PathError{Op: "open", Path: c.CredsDir(), Err: syscall.EROFS})

	_, err := c.Register("carol", "c@b.org")
	assert.ErrorIs(t, err, syscall.EROFS)
	_, err = c.Reset("alice", "a@b.org")
	assert.ErrorIs(t, err, syscall.EROFS)
	assert.ErrorIs(t, c.Deregister("bob", bob), syscall.EROFS)
	assertVerifies(t, c, "alice", alice)
	assertVerifies(t, c, "bob", bob)
	exists, err := c.UserExists("carol")
	require.NoError(t, err)
	assert.False(t, exists)

	fst.set("", nil, nil)
	_, err = c.Register("carol", "c@b.org")
	assert.NoError(t, err)
	require.NoError(t, c.Deregister("bob", bob))
}

func TestFaultDiskFull(t *testing.T) {
	var full sync.Mutex
	isFull := true
	c := newTestCache(t, func(cfg *config) error {
		cfg.writeFile = func(f *os.File, data []byte) error {
			full.Lock()
			defer full.Unlock()
			if isFull {
				f.Write(data[:len(data)/2])
				return &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
			}
			return writeAndSync(f, data)
		}
		return nil
	})
	diskFull := func(on bool) { full.Lock(); isFull = on; full.Unlock() }
	diskFull(false)
	registerPair(t, c)
	alice, err := c.Reset("alice", "a@b.org") // makes the lock file too
	require.NoError(t, err)
	before := snapshot(t, c.CredsDir())

	diskFull(true)
	_, err = c.Register("carol", "c@b.org")
	assert.ErrorIs(t, err, syscall.ENOSPC)
	_, err = c.Reset("alice", "a@b.org")
	assert.ErrorIs(t, err, syscall.ENOSPC)
	assert.Equal(t, before, snapshot(t, c.CredsDir()), "no partial record, no temporary file left")
	assertVerifies(t, c, "alice", alice)

	diskFull(false)
	token, err := c.Reset("alice", "a@b.org")
	require.NoError(t, err)
	assertVerifies(t, c, "alice", token)
}

// TestFaultBadRecordFiles plants broken records as another program might
// and checks that each is a clear error for its user alone, and that
// fixing the file fixes the user without a restart.
func TestFaultBadRecordFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, file string)
		want  string
	}{
		{"corrupt JSON", func(t *testing.T, file string) {
			require.NoError(t, os.WriteFile(file, []byte(`{"email":"b@b.org","hashed_tok`), 0o600))
		}, "not a JSON object"},
		{"other user inside", func(t *testing.T, file string) {
			require.NoError(t, os.WriteFile(file, encodeRecord(User{User: "alice", Email: "b@b.org", HashedToken: ffHash}), 0o600))
		}, "names another user"},
		{"oversized sparse file", func(t *testing.T, file string) {
			require.NoError(t, os.WriteFile(file, nil, 0o600))
			require.NoError(t, os.Truncate(file, 1<<40)) // a TiB: read whole, it would never end
		}, "larger than"},
		{"FIFO", func(t *testing.T, file string) {
			require.NoError(t, os.Remove(file))
			require.NoError(t, syscall.Mkfifo(file, 0o600))
		}, "not a regular file"},
		{"directory", func(t *testing.T, file string) {
			require.NoError(t, os.Remove(file))
			require.NoError(t, os.Mkdir(file, 0o700))
		}, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCache(t)
			alice, bob := registerPair(t, c)
			good, err := os.ReadFile(filepath.Join(c.CredsDir(), "bob.json"))
			require.NoError(t, err)
			file := filepath.Join(c.CredsDir(), "bob.json")
			tc.plant(t, file)

			waitFor(t, "the bad record to be seen", func() bool {
				_, err := c.Verify("bob", bob)
				return err != nil
			})
			ok, err := c.Verify("bob", bob)
			assert.False(t, ok)
			assert.ErrorIs(t, err, errBadRecord)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), `"bob"`)
			_, err = c.Reset("bob", "b@b.org")
			assert.Error(t, err)
			assertVerifies(t, c, "alice", alice)

			require.NoError(t, os.RemoveAll(file))
			require.NoError(t, os.WriteFile(file, good, 0o600))
			eventuallyVerifies(t, c, "bob", bob)
		})
	}
}

func TestFaultDirectoryReplacedByFile(t *testing.T) {
	c := newTestCache(t, WithPollInterval(20*time.Millisecond))
	alice, _ := registerPair(t, c)
	dir := c.CredsDir()
	good, err := os.ReadFile(filepath.Join(dir, "alice.json"))
	require.NoError(t, err)

	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.WriteFile(dir, []byte("not a directory"), 0o600))
	waitFor(t, "the replaced directory to be seen", func() bool {
		_, err := c.Verify("alice", alice)
		return err != nil && strings.Contains(err.Error(), "credentials directory")
	})
	_, err = c.Register("carol", "c@b.org")
	assert.ErrorContains(t, err, "credentials directory")

	require.NoError(t, os.Remove(dir))
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alice.json"), good, 0o600))
	eventuallyVerifies(t, c, "alice", alice)
	waitFor(t, "the watch to be back", c.memo.trusted.Load)
	_, err = c.Register("carol", "c@b.org")
	assert.NoError(t, err)
}

func TestFaultErrorsNameNoToken(t *testing.T) {
	c, fst := newFaultCache(t)
	alice, _ := registerPair(t, c)
	fst.set("alice", syscall.EIO, &fs.PathError{Op: "write", Path: "x", Err: syscall.EIO})
	var errs []error
	_, err := c.Verify("alice", alice)
	errs = append(errs, err)
	errs = append(errs, c.Deregister("alice", alice))
	_, err = c.Reset("alice", "a@b.org")
	errs = append(errs, err)
	fst.set("alice", nil, nil)
	errs = append(errs, c.Deregister("alice", strings.Repeat("1", 40)))
	for _, err := range errs {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), alice)
		assert.NotContains(t, err.Error(), strings.Repeat("1", 40))
	}
	assert.False(t, errors.Is(errs[0], ErrNotRegistered))
}

// TestSameFile backs Register's answer to a link that NFS reports as
// failed after it succeeded: the record is then the temporary file itself.
func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c"), []byte("x"), 0o600))
	require.NoError(t, os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	assert.True(t, sameFile(root, "a", "b"))
	assert.False(t, sameFile(root, "a", "c"))
	assert.False(t, sameFile(root, "a", "missing"))
}
