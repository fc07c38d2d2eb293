// Package authlog writes the example servers' log lines for the
// middleware's decisions, one per request, in bounded space: an accept at
// DEBUG, a refusal (401) at INFO, a verification that could not complete
// (500) at ERROR, each with the path and the presented user name cut
// short and escaped (never the token, which the middleware does not
// hand over).
//
// Refusals and failures come from clients, who can send thousands a
// second with megabyte-long user names. So lines are let through by
// token buckets, one per client (a few at once, then one every few
// seconds) and one for the whole server; what they hold back is counted
// and summed up in one line per period, with the client that sent the
// most. However many clients send whatever they like, the log grows by
// at most the server's bucket and one or two lines per period.
//
// An accept is the hot path: when DEBUG is off, logging one costs a
// level check and no allocation.
package authlog

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// Defaults of a Writer.
const (
	// DefaultPeriod is how often held-back lines are summed up.
	DefaultPeriod = 10 * time.Second

	clientBurst    = 10              // lines a client gets at once
	clientEvery    = 5 * time.Second // then one per
	serverBurst    = 100             // lines all clients get at once
	serverRate     = 20              // then per second
	maxClients     = 10_000          // clients whose buckets are kept
	maxLoggedName  = 64              // bytes of a user name logged
	maxLoggedPath  = 128             // bytes of a path logged
	summaryMessage = "auth lines held back"
)

// Writer logs the middleware's decisions. It is safe for concurrent use.
// Close it when done, to stop its summaries.
type Writer struct {
	log       *slog.Logger
	clientKey func(*http.Request) string
	now       func() time.Time

	mu       sync.Mutex
	server   *rate.Limiter
	clients  map[string]*client
	held     int // refusals held back this period
	heldErrs int // failures held back this period

	stop, stopped chan struct{}
	closeOnce     sync.Once
}

// client is the state of one client in a period.
type client struct {
	bucket *rate.Limiter
	held   int
}

// New returns a Writer logging to log, that tells clients apart by
// clientKey (such as httpapi.ClientIP) and sums up what it held back
// every period.
func New(log *slog.Logger, clientKey func(*http.Request) string, period time.Duration) *Writer {
	w := newWriter(log, clientKey, time.Now)
	go w.summarize(period)
	return w
}

func newWriter(log *slog.Logger, clientKey func(*http.Request) string, now func() time.Time) *Writer {
	return &Writer{
		log:       log,
		clientKey: clientKey,
		now:       now,
		server:    rate.NewLimiter(serverRate, serverBurst),
		clients:   make(map[string]*client),
		stop:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
}

// Outcome logs one decision; it has the shape of middleware.Config's
// OnOutcome. For Echo, call it from echomw.AuthConfig's OnOutcome with
// c.Request().
func (w *Writer) Outcome(r *http.Request, o middleware.Outcome) {
	var level slog.Level
	switch o.Result {
	case middleware.Accepted, middleware.Skipped:
		level = slog.LevelDebug
	case middleware.Failed:
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	ctx := context.Background()
	if !w.log.Enabled(ctx, level) {
		return
	}
	if level > slog.LevelDebug && !w.admit(w.clientKey(r), level == slog.LevelError) {
		return
	}
	attrs := []slog.Attr{
		slog.String("path", httpapi.LogText(r.URL.Path, maxLoggedPath)),
		slog.String("result", o.Result.String()),
		slog.String("user", httpapi.LogText(o.User, maxLoggedName)),
	}
	if o.Err != nil {
		attrs = append(attrs, slog.Any("reason", o.Err))
	}
	w.log.LogAttrs(ctx, level, "auth", attrs...)
}

// admit reports whether a refusal or failure from the client key may be
// logged now, and counts it as held back if not.
func (w *Writer) admit(key string, failure bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	c, ok := w.clients[key]
	if !ok {
		if len(w.clients) >= maxClients {
			// Forget them all: the server's bucket still bounds the log.
			clear(w.clients)
		}
		c = &client{bucket: rate.NewLimiter(rate.Every(clientEvery), clientBurst)}
		w.clients[strings.Clone(key)] = c
	}
	// The client's bucket first, so that a flood from one client does not
	// spend the server's.
	if c.bucket.AllowN(now, 1) && w.server.AllowN(now, 1) {
		return true
	}
	c.held++
	if failure {
		w.heldErrs++
	} else {
		w.held++
	}
	return false
}

// summarize sums up what was held back, every period, until Close.
func (w *Writer) summarize(period time.Duration) {
	defer close(w.stopped)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			w.flush(period)
			return
		case <-tick.C:
			w.flush(period)
		}
	}
}

// flush logs one line for the refusals, and one for the failures, held
// back since the last flush, if any, and starts a new period.
func (w *Writer) flush(period time.Duration) {
	w.mu.Lock()
	held, heldErrs := w.held, w.heldErrs
	var top string
	var topHeld int
	for key, c := range w.clients {
		if c.held > topHeld {
			top, topHeld = key, c.held
		}
		c.held = 0
	}
	w.held, w.heldErrs = 0, 0
	w.mu.Unlock()
	if held+heldErrs == 0 {
		return
	}
	ctx := context.Background()
	attrs := []slog.Attr{
		slog.Int("refusals", held),
		slog.Int("failures", heldErrs),
		slog.Duration("period", period),
		slog.String("top_client", httpapi.LogText(top, maxLoggedName)),
		slog.Int("top_client_held", topHeld),
	}
	level := slog.LevelInfo
	if heldErrs > 0 {
		level = slog.LevelError
	}
	w.log.LogAttrs(ctx, level, summaryMessage, attrs...)
}

// Close logs what is still held back and stops the summaries. It is
// idempotent and returns nil.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		close(w.stop)
		<-w.stopped
	})
	return nil
}
