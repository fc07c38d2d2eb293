// Package servemain runs the example servers: their flags, the
// credentials cache, listening, and a graceful shutdown on SIGINT or
// SIGTERM; and the operator's routes beside theirs: /readyz, and
// /metrics with -metrics (ops.go). Each example supplies only its routes,
// and where its records are if not in a directory (a [Source]).
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
)

// shutdownTimeout bounds how long shutdown waits for requests in flight.
const shutdownTimeout = 10 * time.Second

// Main runs the program name with args until SIGINT or SIGTERM, serving
// the handler that routes builds on a credentials directory (flags -dir
// and -watch), and exits with 0 after a clean stop, 1 if it cannot start,
// 2 on bad flags.
func Main(name string, routes func(Env) http.Handler) {
	MainOn(name, &Dir{}, routes)
}

// MainOn is [Main] on the records that src opens, with src's flags in
// place of -dir and -watch.
func MainOn(name string, src Source, routes func(Env) http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, name, os.Args[1:], os.Stderr, src, routes)
	stop()
	os.Exit(code)
}

// run parses the flags, serves until ctx is done and returns the exit code.
func run(ctx context.Context, name string, args []string, stderr io.Writer, src Source, routes func(Env) http.Handler) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8080", "listen on `host:port`; port 0 picks a free port")
	src.AddFlags(flags)
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
	if err := serve(ctx, log, *addr, src, ops, routes); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the credentials cache and serves HTTP on addr until ctx is
// done, then shuts down gracefully and closes the cache, then what src
// opened for it.
func serve(ctx context.Context, log *slog.Logger, addr string, src Source, ops *ops, routes func(Env) http.Handler) error {
	opened, err := src.Open(ctx, log)
	if err != nil {
		return err
	}
	defer opened.Close()
	// Listen first, so that the log tells the real port when addr's is 0.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	handler := ops.handler(Env{Creds: opened.Cache, Log: log}, routes)
	if err := Serve(ctx, log, ln, handler, opened.Attrs...); err != nil {
		return err
	}
	opened.Close()
	log.Info("stopped")
	return nil
}

// Handler returns the handler that routes builds on env, with /readyz in
// front of it, as [Main] serves it without -metrics: for programs that
// run servers of their own with [Serve].
func Handler(env Env, routes func(Env) http.Handler) http.Handler {
	return (&ops{}).handler(env, routes)
}

// Serve serves handler on ln until ctx is done, then shuts down
// gracefully: it stops accepting connections and waits up to 10 seconds
// for requests in flight. It closes ln. It first logs "listening" with
// ln's address, which tells the real port when the one asked for was 0,
// and attrs.
func Serve(ctx context.Context, log *slog.Logger, ln net.Listener, handler http.Handler, attrs ...any) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", append([]any{"addr", ln.Addr().String()}, attrs...)...)

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
	err := srv.Shutdown(shutdownCtx)
	<-served // http.ErrServerClosed, once Shutdown has begun
	return err
}
