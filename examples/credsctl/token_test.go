package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadTokenFromNullDevice: `credsctl verify frank </dev/null` does not
// prompt (the prompt would end up on the error's line), and says that no
// token came.
func TestReadTokenFromNullDevice(t *testing.T) {
	t.Parallel()
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	var stderr bytes.Buffer
	_, err = readToken(call{stdin: null, stderr: &stderr}, "frank")
	assert.EqualError(t, err, "no token: pipe it to standard input or give -token")
	assert.Empty(t, stderr.String(), "no prompt")
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	assert.False(t, isTerminal(null), "the null device")
	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte("ff\n"), 0o600))
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a file")
}
