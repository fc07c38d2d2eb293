package main

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
)

// shutdownTimeout bounds how long shutdown waits for requests in flight.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the flags, serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("echo", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8080", "listen on `host:port`; port 0 picks a free port")
	dir := flags.String("dir", "", "credentials `directory` (default $FIXIE_CREDS_DIR, else ~/.local/share/fixie/creds)")
	watch := flags.Bool("watch", true, "watch the credentials directory for changes made by other processes")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "echo: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return 2
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, log, *addr, *dir, *watch); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the credentials cache and serves the Echo app on addr until
// ctx is done, then shuts down gracefully. An *echo.Echo is an
// http.Handler, so a plain http.Server runs it.
func serve(ctx context.Context, log *slog.Logger, addr, dir string, watch bool) error {
	creds, err := cache.New(dir, cache.WithWatch(watch), cache.WithLogger(log))
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
		Handler:           newApp(creds),
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
