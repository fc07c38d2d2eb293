// Package servemain runs the example servers: their flags, the
// credentials cache, listening, and a graceful shutdown on SIGINT or
// SIGTERM; and the operator's routes beside theirs: /readyz, and
// /metrics with -metrics (ops.go). Each example supplies only its routes.
package servemain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
)

// shutdownTimeout bounds how long shutdown waits for requests in flight.
const shutdownTimeout = 10 * time.Second

// Main runs the program name with args until SIGINT or SIGTERM, serving
// the handler that routes builds on the credentials cache, and exits with
// 0 after a clean stop, 1 if it cannot start, 2 on bad flags.
func Main(name string, routes func(Env) http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, name, os.Args[1:], os.Stderr, routes)
	stop()
	os.Exit(code)
}

// run parses the flags, serves until ctx is done and returns the exit code.
func run(ctx context.Context, name string, args []string, stderr io.Writer, routes func(Env) http.Handler) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8080", "listen on `host:port`; port 0 picks a free port")
	dir := flags.String("dir", "", credsdir.Usage())
	watch := flags.Bool("watch", true, "watch the credentials directory for changes made by other processes")
	ops := opsFlags(flags)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", name, flags.Arg(0))
		flags.Usage()
		return 2
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, log, *addr, *dir, *watch, ops, routes); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the credentials cache and serves HTTP on addr until ctx is
// done, then shuts down gracefully.
func serve(ctx context.Context, log *slog.Logger, addr, dir string, watch bool, ops *ops, routes func(Env) http.Handler) error {
	creds, err := openCreds(log, dir, cache.WithWatch(watch), cache.WithLogger(log))
	if err != nil {
		return err
	}
	defer creds.Close()

	// Listen first, so that the log tells the real port when addr's is 0.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           ops.handler(Env{Creds: creds, Log: log}, routes),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String(), "dir", creds.CredsDir(), "watching", watch)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	<-served // http.ErrServerClosed, once Shutdown has begun
	if err != nil {
		return err
	}
	creds.Close()
	log.Info("stopped")
	return nil
}
