package servemain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// connOptions are the flags that bound what connections may hold: time,
// number, header size, and how long a shutdown waits for them. Every
// default closes an idle or stalled connection within two minutes.
type connOptions struct {
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxConns          int
	shutdownTimeout   time.Duration
}

const (
	// maxHeaderBytes bounds a request's headers; fixie credentials take
	// well under a kilobyte.
	maxHeaderBytes = 64 << 10

	// maxConnsCeiling is the default cap on connections where
	// descriptors are plentiful.
	maxConnsCeiling = 1024

	// fdReserve is kept out of the cap for what the server opens
	// itself: the listener, the watcher, the directory, record files.
	fdReserve = 32
)

// defaultMaxConns returns the cap on connections: 1024, or less where
// the limit on open descriptors would not leave a descriptor for each
// connection and as many again for the files its requests open.
func defaultMaxConns() int {
	n, ok := openFileLimit()
	if !ok || n >= 2*maxConnsCeiling+fdReserve {
		return maxConnsCeiling
	}
	return max(int(n)-fdReserve, 2) / 2
}

// flags defines the connection flags on fs.
func (o *connOptions) flags(fs *flag.FlagSet) {
	fs.DurationVar(&o.readHeaderTimeout, "read-header-timeout", 10*time.Second, "close a connection that has not sent a request's headers within this `time`")
	fs.DurationVar(&o.readTimeout, "read-timeout", 30*time.Second, "close a connection that has not sent a whole request, body included, within this `time` (a body sent a byte at a time)")
	fs.DurationVar(&o.writeTimeout, "write-timeout", 30*time.Second, "give up on an answer not written within this `time` of the request's headers")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", time.Minute, "close a keep-alive connection idle for this `time`")
	fs.IntVar(&o.maxConns, "max-conns", defaultMaxConns(), "keep at most `n` connections open; at the cap, the longest idle one is closed to make room,\nelse the one sending its request the longest, after a second; the default is lower under a low limit on open files")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, wait this `time` for requests in flight, then cut them off")
}

// check reports what makes o unusable.
func (o connOptions) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read-header-timeout", o.readHeaderTimeout},
		{"read-timeout", o.readTimeout},
		{"write-timeout", o.writeTimeout},
		{"idle-timeout", o.idleTimeout},
		{"shutdown-timeout", o.shutdownTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("-%s %v: want a positive duration", d.name, d.v)
		}
	}
	if o.maxConns < 1 {
		return fmt.Errorf("-max-conns %d: want at least 1", o.maxConns)
	}
	return nil
}

// server returns the HTTP server for h, with o's timeouts, and the
// listener on ln, capped at o's connections, that it is to serve.
func (o connOptions) server(h http.Handler, ln net.Listener, errorLog *log.Logger) (*http.Server, *connLimiter) {
	limited := newConnLimiter(ln, o.maxConns)
	return &http.Server{
		Handler:           limited.watchBodies(closeFramedByEncoding(h)),
		ConnContext:       conns,
		ReadHeaderTimeout: o.readHeaderTimeout,
		ReadTimeout:       o.readTimeout,
		WriteTimeout:      o.writeTimeout,
		IdleTimeout:       o.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         limited.track,
		ErrorLog:          errorLog,
	}, limited
}

// closeFramedByEncoding closes the connection after answering a request
// whose body is framed by Transfer-Encoding, as RFC 9112 section 6.3
// requires of one that also has a Content-Length: a proxy in front that
// went by the Content-Length would take the end of the body for another
// request, smuggled past it. net/http drops the Content-Length of such a
// request before a handler sees it, so every chunked request is answered
// and its connection closed; clients that send chunked bodies lose only
// keep-alive.
func closeFramedByEncoding(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// shutdown stops srv gracefully, waiting up to o.shutdownTimeout for
// requests in flight; past it, it closes their connections, says so,
// and counts that as a stop, not a failure.
func (o connOptions) shutdown(srv *http.Server, ln *connLimiter, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	n := ln.active()
	if err := srv.Close(); err != nil {
		return err
	}
	log.Warn("shutdown cut off requests in flight", "requests", n, "waited", o.shutdownTimeout)
	return nil
}
