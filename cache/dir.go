package cache

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultCredsDir returns the credentials directory used when New is given
// "": $FIXIE_CREDS_DIR, else $FIXIE_DATA_DIR/creds, else
// $XDG_DATA_HOME/fixie/creds, else ~/.local/share/fixie/creds.
func DefaultCredsDir() (string, error) {
	if d := os.Getenv("FIXIE_CREDS_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("FIXIE_DATA_DIR"); d != "" {
		return filepath.Join(d, "creds"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "fixie", "creds"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cache: no credentials directory: set FIXIE_CREDS_DIR: %w", err)
	}
	return filepath.Join(home, ".local", "share", "fixie", "creds"), nil
}

// prepareDir makes dir (mode 0700) if it does not exist and returns its
// absolute path. It warns through warn if the directory is open to others.
func prepareDir(dir string, warn func(msg string, args ...any)) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cache: credentials directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("cache: credentials directory: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("cache: credentials directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("cache: credentials directory %s is not a directory", abs)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		warn("cache: credentials directory is accessible to other users", "dir", abs, "mode", fi.Mode().Perm().String())
	}
	return abs, nil
}
