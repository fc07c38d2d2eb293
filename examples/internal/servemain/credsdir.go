package servemain

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
)

// openCreds opens the credentials cache on dir, or on the default
// directory for "", and warns if the directory was just made or holds no
// record: a -dir with a typo would otherwise serve 401 to everyone,
// silently. The warning names the directory and where it came from.
func openCreds(log *slog.Logger, dir string, opts ...cache.Option) (*cache.Cache, error) {
	resolved, from, err := credsdir.Resolve(dir)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(resolved)
	isNew := errors.Is(statErr, fs.ErrNotExist)
	creds, err := cache.New(resolved, opts...)
	if err != nil {
		return nil, err
	}
	switch {
	case isNew:
		log.Warn("created a new, empty credentials directory: every request to a protected route gets 401 until a user registers; check -dir if you meant another",
			"dir", creds.CredsDir(), "from", from)
	case !hasRecord(creds.CredsDir()):
		log.Warn("the credentials directory holds no user: every request to a protected route gets 401 until one registers",
			"dir", creds.CredsDir(), "from", from)
	}
	return creds, nil
}

// hasRecord reports whether dir holds a record file (or cannot be read,
// which the cache reports its own way). It reads names in batches and
// stops at the first record, so that a large directory costs little.
func hasRecord(dir string) bool {
	d, err := os.Open(dir)
	if err != nil {
		return true
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(256)
		for _, name := range names {
			if strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".") {
				return true
			}
		}
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true
		}
	}
}
