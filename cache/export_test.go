package cache

import "log/slog"

// NewDirStore returns the directory store on dir, an existing directory,
// for the tests of package cache_test.
func NewDirStore(dir string) Store {
	cfg := defaultConfig()
	cfg.log = slog.New(slog.DiscardHandler)
	return newDirStore(dir, cfg)
}
