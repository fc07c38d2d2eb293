package credsdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
)

// TestDefault walks the chain: each step wins over the ones after it, and
// the directory is the one cache.New("") would use. Not parallel: it sets
// the environment.
func TestDefault(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct {
		name     string
		env      map[string]string
		wantDir  string
		wantFrom string
	}{
		{"home", nil, filepath.Join(home, ".local/share/fixie/creds"), "the home directory"},
		{"XDG_DATA_HOME", map[string]string{"XDG_DATA_HOME": "/xdg"}, "/xdg/fixie/creds", "$XDG_DATA_HOME"},
		{"FIXIE_DATA_DIR", map[string]string{"XDG_DATA_HOME": "/xdg", "FIXIE_DATA_DIR": "/data"}, "/data/creds", "$FIXIE_DATA_DIR"},
		{"FIXIE_CREDS_DIR", map[string]string{"XDG_DATA_HOME": "/xdg", "FIXIE_DATA_DIR": "/data", "FIXIE_CREDS_DIR": "/creds"}, "/creds", "$FIXIE_CREDS_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, env := range []string{"FIXIE_CREDS_DIR", "FIXIE_DATA_DIR", "XDG_DATA_HOME"} {
				t.Setenv(env, tt.env[env])
			}
			dir, from, err := Default()
			require.NoError(t, err)
			assert.Equal(t, filepath.FromSlash(tt.wantDir), dir)
			assert.Equal(t, tt.wantFrom, from)
			want, err := cache.DefaultCredsDir()
			require.NoError(t, err)
			assert.Equal(t, want, dir, "the directory cache.New uses")
			usage := Usage()
			assert.Contains(t, usage, Chain)
			assert.True(t, strings.HasSuffix(usage, "; now "+dir+", from "+from+")"), usage)

			resolved, from, err := Resolve("")
			require.NoError(t, err)
			assert.Equal(t, dir, resolved)
			assert.Equal(t, tt.wantFrom, from)
		})
	}
	resolved, from, err := Resolve("/flag")
	require.NoError(t, err)
	assert.Equal(t, "/flag", resolved)
	assert.Equal(t, "-dir", from)
}

func TestMustExist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	assert.NoError(t, MustExist(dir, "-dir"))
	missing := filepath.Join(dir, "typo")
	err := MustExist(missing, "-dir")
	assert.ErrorIs(t, err, ErrNotExist)
	assert.EqualError(t, err, "credentials directory does not exist: "+missing+" (from -dir)")
	_, statErr := os.Stat(missing)
	assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing was created")
}
