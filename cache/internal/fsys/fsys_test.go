package fsys

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readers returns the ways to read a file in dir: through os.Root, and,
// where the system has openat, through a Dir.
func readers(t *testing.T, dir string) map[string]func(name string, limit int) ([]byte, Stamp, error) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	r := map[string]func(string, int) ([]byte, Stamp, error){
		"root": func(name string, limit int) ([]byte, Stamp, error) { return ReadFile(root, name, limit) },
	}
	d, err := OpenDir(dir)
	if errors.Is(err, errors.ErrUnsupported) {
		return r
	}
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	r["dir"] = d.ReadFile
	return r
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600))
	}
	write("a", "hello")
	write("empty", "")
	write("big", strings.Repeat("x", 11))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	require.NoError(t, os.Symlink("a", filepath.Join(dir, "link")))

	for how, read := range readers(t, dir) {
		t.Run(how, func(t *testing.T) {
			data, st, err := read("a", 10)
			require.NoError(t, err)
			assert.Equal(t, "hello", string(data))
			want, err := Lstat(filepath.Join(dir, "a"))
			require.NoError(t, err)
			assert.Equal(t, want, st, "stamp against Lstat's")
			assert.Equal(t, int64(5), st.Size)
			assert.Equal(t, uint64(1), st.Nlink)
			assert.NotZero(t, st.Mtime)

			data, _, err = read("empty", 10)
			require.NoError(t, err)
			assert.Empty(t, data)

			_, _, err = read("big", 10)
			assert.ErrorIs(t, err, ErrTooLarge)
			data, _, err = read("big", 11)
			require.NoError(t, err)
			assert.Len(t, data, 11)

			_, _, err = read("sub", 10)
			assert.ErrorIs(t, err, ErrNotRegular)
			_, _, err = read("missing", 10)
			assert.ErrorIs(t, err, fs.ErrNotExist)

			data, _, err = read("link", 10)
			if how == "dir" {
				assert.ErrorIs(t, err, ErrSymlink, "a Dir does not follow a symbolic link")
			} else {
				require.NoError(t, err)
				assert.Equal(t, "hello", string(data))
			}
		})
	}
}

func TestStampChanges(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a")
	require.NoError(t, os.WriteFile(file, []byte("one"), 0o600))
	before, err := Lstat(file)
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(file, []byte("three"), 0o600))
	after, err := Lstat(file)
	require.NoError(t, err)
	assert.NotEqual(t, before, after, "a write in place")

	_, err = Lstat(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	unlock, err := Lock(root, "lock")
	if errors.Is(err, errors.ErrUnsupported) {
		return // no lock to take on this system
	}
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, "lock"))
	require.NoError(t, err)
	if os.PathSeparator == '/' {
		assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
	}

	unlock()

	// Goroutines that each take the lock: never two inside at once.
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				unlock, err := Lock(root, "lock")
				if !assert.NoError(t, err) {
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				runtime.Gosched()
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	assert.Zero(t, overlaps.Load(), "times a goroutine took the lock while another held it")
}
