package servemain

import (
	"context"
	"flag"
	"log/slog"
	"sync"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
)

// A Source is where a server keeps its records: [Dir], or etcd in
// examples/etcdserver. It defines its flags; once they are parsed, it
// opens a cache on what they name.
type Source interface {
	// AddFlags defines the source's flags on the server's flag set.
	AddFlags(flags *flag.FlagSet)
	// Open opens the cache, logging to log. ctx ends when the server is
	// told to stop before it has started.
	Open(ctx context.Context, log *slog.Logger) (*Opened, error)
}

// Opened is a cache that a Source opened, and what it opened for it.
type Opened struct {
	Cache *cache.Cache
	// Attrs describe where the records are, for the log line "listening".
	Attrs []any

	release   func() // what the source opened for the cache; nil if nothing
	closeOnce sync.Once
}

// NewOpened returns an Opened for creds, described by attrs, whose Close
// calls release, if not nil, after closing creds: an etcd client, say,
// which must outlive the cache's watch.
func NewOpened(creds *cache.Cache, release func(), attrs ...any) *Opened {
	return &Opened{Cache: creds, Attrs: attrs, release: release}
}

// Close closes the cache, then releases what the source opened for it.
// Later calls do nothing.
func (o *Opened) Close() {
	o.closeOnce.Do(func() {
		o.Cache.Close()
		if o.release != nil {
			o.release()
		}
	})
}

// Dir is the Source of examples/server and examples/echo: a credentials
// directory, with the flags -dir and -watch.
type Dir struct {
	dir   string
	watch bool
}

// AddFlags implements [Source].
func (d *Dir) AddFlags(flags *flag.FlagSet) {
	flags.StringVar(&d.dir, "dir", "", credsdir.Usage())
	flags.BoolVar(&d.watch, "watch", true, "watch the credentials directory for changes made by other processes")
}

// Open implements [Source]: it warns if the directory was just made or
// holds no record (see openCreds).
func (d *Dir) Open(_ context.Context, log *slog.Logger) (*Opened, error) {
	creds, err := openCreds(log, d.dir, cache.WithWatch(d.watch), cache.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return NewOpened(creds, nil, "dir", creds.CredsDir(), "watching", d.watch), nil
}
