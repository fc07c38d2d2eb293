// Package credsdir tells the example programs' users which credentials
// directory they get and why: the whole chain of defaults that cache.New("")
// follows, and the step of it that applies now.
package credsdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Chain is cache.DefaultCredsDir's chain, for help texts.
const Chain = "$FIXIE_CREDS_DIR, else $FIXIE_DATA_DIR/creds, else $XDG_DATA_HOME/fixie/creds, else ~/.local/share/fixie/creds"

// Default returns the directory cache.New("") uses now and the step of
// the chain that chose it: "$FIXIE_CREDS_DIR", "$FIXIE_DATA_DIR",
// "$XDG_DATA_HOME" or "the home directory".
func Default() (dir, from string, err error) {
	dir, err = cache.DefaultCredsDir()
	if err != nil {
		return "", "", err
	}
	from = "the home directory"
	for _, env := range []string{"FIXIE_CREDS_DIR", "FIXIE_DATA_DIR", "XDG_DATA_HOME"} {
		if os.Getenv(env) != "" {
			from = "$" + env
			break
		}
	}
	return dir, from, nil
}

// Usage is the help text of a -dir flag: the chain, and the directory it
// gives now.
func Usage() string {
	text := "credentials `directory` (default " + Chain
	if dir, from, err := Default(); err == nil {
		text += "; now " + dir + ", from " + from
	}
	return text + ")"
}

// Resolve returns the directory that a -dir flag's value dir names, or
// the default for "", and where it comes from: "-dir", or as Default.
func Resolve(dir string) (resolved, from string, err error) {
	if dir != "" {
		return dir, "-dir", nil
	}
	return Default()
}

// ErrNotExist: the credentials directory does not exist.
var ErrNotExist = errors.New("credentials directory does not exist")

// MustExist returns an error wrapping ErrNotExist, which names dir and
// where it came from, if dir does not exist; for programs that only read
// a directory and must not create one.
func MustExist(dir, from string) error {
	_, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s (from %s)", ErrNotExist, dir, from)
	}
	return nil // anything else, cache.New reports
}
