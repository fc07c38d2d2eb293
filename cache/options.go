package cache

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/fixiecreds/fixiecreds/cache/internal/fsys"
)

const (
	defaultPoll       = time.Second
	defaultWindow     = 100 * time.Millisecond
	defaultMaxEntries = 100_000
	// maxUnknownNames bounds the names cached as having no record.
	maxUnknownNames = 10_000
)

// An Option configures a Cache in [New] or [Open].
type Option func(*config) error

type config struct {
	nbytes     int
	rand       io.Reader
	log        *slog.Logger
	watch      bool
	poll       time.Duration
	window     time.Duration // 0: min(defaultWindow, poll)
	maxEntries int
	grace      time.Duration

	// seams for tests
	clock      func() time.Duration
	wall       func() time.Time // the wall clock: issue times, and expiries against it
	newWatcher func() (*fsnotify.Watcher, error)
	networkFS  func(dir string) (string, bool)
	writeFile  func(f *os.File, data []byte) error
	wrapStore  func(Store) Store
	policy     watchPolicy
	sweepNow   chan struct{} // each receive runs a sweep of the directory's watch
}

// newConfig returns the default configuration with opts applied.
func newConfig(opts []Option) (config, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return config{}, err
		}
	}
	return cfg, nil
}

func defaultConfig() config {
	return config{
		nbytes:     defaultNBytes,
		rand:       crand.Reader,
		log:        slog.Default(),
		wall:       time.Now,
		watch:      true,
		poll:       defaultPoll,
		maxEntries: defaultMaxEntries,
		newWatcher: fsnotify.NewWatcher,
		networkFS:  fsys.NetworkFS,
		writeFile:  writeAndSync,
		policy:     platformWatchPolicy(runtime.GOOS, fsys.OpenFileLimit()),
	}
}

// WithNBytes sets the token size in bytes, 1 to 128; the default is 20.
// Generated tokens are 2·n hex digits, and a token is accepted only if its
// value fits in n bytes. The size is part of the directory's format: every
// process sharing a directory must use the same one.
func WithNBytes(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxNBytes {
			return fmt.Errorf("cache: token size %d bytes is not between 1 and %d", n, maxNBytes)
		}
		c.nbytes = n
		return nil
	}
}

// WithLogger sets where the cache reports watcher trouble and repairs;
// the default is slog.Default(). Nothing logged ever holds a token.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("cache: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithWatch turns the store's change feed (for a directory, change
// notifications) on, the default, or off. Off, a cached record is trusted
// for at most the poll interval.
func WithWatch(on bool) Option {
	return func(c *config) error {
		c.watch = on
		return nil
	}
}

// WithPollInterval sets how long a cached record is trusted while the
// store is polled (WithWatch(false), a directory that cannot be
// watched), and how often the store tries to report again; the default
// is 1 s.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("cache: poll interval %v is not positive", d)
		}
		c.poll = d
		return nil
	}
}

// WithTrustWindow sets how long a cached record is trusted past the last
// moment at which the store's change feed was known to have delivered
// every change; the default is 100 ms, and never more than the poll
// interval. After a pause (a stopped process, a frozen VM) or while its
// feed lags, a cache answers nothing from memory until the feed has
// caught up or the record has been read again. A shorter window costs the
// store more confirmations; a longer one lets an answer rest on older
// data after a pause.
func WithTrustWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("cache: trust window %v is not positive", d)
		}
		c.window = d
		return nil
	}
}

// timing returns the feed timing the options set.
func (c config) timing() FeedTiming {
	w := c.window
	if w == 0 {
		w = defaultWindow
	}
	return FeedTiming{Poll: c.poll, Window: min(w, c.poll)}
}

// WithMaxEntries bounds how many registered users are kept in memory; the
// default is 100,000. Past it, a random entry is dropped (and read again
// from disk when next needed). Names found to have no record are bounded
// separately, at 10,000 or n if smaller.
func WithMaxEntries(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("cache: max entries %d is not positive", n)
		}
		c.maxEntries = n
		return nil
	}
}

// WithOutageGrace lets Verify answer from a cached record up to maxAge
// old when the record is due to be read again and the store cannot be
// read: a disk that fails, an etcd cluster out of reach. The default, 0,
// fails such a verification instead (the middleware answers 500). With a
// grace, a token revoked while the store was out of reach keeps working
// until the store is back or the grace runs out. Names cached as
// unknown, and records that could not be parsed, get no grace.
func WithOutageGrace(maxAge time.Duration) Option {
	return func(c *config) error {
		if maxAge < 0 {
			return fmt.Errorf("cache: outage grace %v is negative", maxAge)
		}
		c.grace = maxAge
		return nil
	}
}
