package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

func TestHashTokenVectors(t *testing.T) {
	t.Parallel()
	tests := []struct{ token, want string }{
		{"46685257bdd640fb06671ad11c80317fa3b1799d", "897ddb19c14430f6f72fcfd885af7cddf0ffb220ab765df4a1b283c473a69423"},
		{"0", "de47c9b27eb8d300dbb5f2c353e632c393262cf06340c4fa7f1b40c4cbd36f90"},
		{"ff", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
		{"00ff", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
		{"FF", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
	}
	for _, tt := range tests {
		got, err := hashToken(tt.token)
		require.NoError(t, err, tt.token)
		assert.Equal(t, tt.want, got, tt.token)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("f", 41)} {
		_, err := hashToken(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestHashTokenAgreesWithCache(t *testing.T) {
	t.Parallel()
	c, err := cache.New(filepath.Join(t.TempDir(), "creds"), cache.WithWatch(false))
	require.NoError(t, err)
	defer c.Close()
	for range 100 {
		token := newToken()
		require.Regexp(t, tokenPattern, token)
		want, err := c.HashToken(token)
		require.NoError(t, err)
		got, err := hashToken(token)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

func TestWriteRecord(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "creds")
	require.NoError(t, os.Mkdir(dir, 0o700))
	token, err := writeRecord(dir, "alice", "alice@example.org")
	require.NoError(t, err)
	hashed, err := hashToken(token)
	require.NoError(t, err)

	data, err := os.ReadFile(filepath.Join(dir, "alice.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"email":"alice@example.org","hashed_token":"`+hashed+`","user":"alice"}`, string(data))
	fi, err := os.Stat(filepath.Join(dir, "alice.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the temporary file is renamed, not left behind")

	c, err := cache.New(dir, cache.WithWatch(false))
	require.NoError(t, err)
	defer c.Close()
	ok, err := c.Verify("alice", token)
	require.NoError(t, err)
	assert.True(t, ok, "the cache accepts the token of a record written on disk")
}
