// Package servemain runs the example servers: their flags, the
// credentials cache, the fixie-creds service with its limits, the log of
// authentication decisions, listening with bounded connections, and a
// graceful shutdown on SIGINT or SIGTERM. Each example supplies only its
// routes.
package servemain

import (
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

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/authlog"
)

// App is what an example's routes are built from.
type App struct {
	// Creds is the credentials cache.
	Creds *cache.Cache
	// Log is the server's log.
	Log *slog.Logger
	// Service is the fixie-creds service on Creds, with the limits the
	// flags set, to mount under /creds/.
	Service http.Handler
	// AuthLog logs the middleware's decisions: its Outcome method is an
	// OnOutcome hook.
	AuthLog *authlog.Writer
}

// Main runs the program name with args until SIGINT or SIGTERM, serving
// the handler that routes builds, and exits with 0 after a stop (even
// one that had to cut requests off), 1 if it cannot start, 2 on bad
// flags. After the first signal, a second one ends the process at once.
func Main(name string, routes func(App) http.Handler) {
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		// From now on a signal does what it does by default: it ends
		// the process at once, in the middle of the shutdown.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		close(stop)
		select {
		case sig := <-sigs: // a second one came before the Reset
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig)
			}
		default:
		}
	}()
	os.Exit(run(stop, name, os.Args[1:], os.Stderr, routes))
}

// options are the flags.
type options struct {
	addr     string
	dir      string
	watch    bool
	logLevel slog.Level
	conns    connOptions
	limits   limitOptions
}

// run parses the flags, serves until stop is closed and returns the exit
// code.
func run(stop <-chan struct{}, name string, args []string, stderr io.Writer, routes func(App) http.Handler) int {
	var o options
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `host:port`; port 0 picks a free port")
	flags.StringVar(&o.dir, "dir", "", "credentials `directory` (default $FIXIE_CREDS_DIR, else ~/.local/share/fixie/creds)")
	flags.BoolVar(&o.watch, "watch", true, "watch the credentials directory for changes made by other processes")
	flags.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log at this `level` and above: DEBUG (every accepted request too), INFO, WARN or ERROR")
	o.conns.flags(flags)
	o.limits.flags(flags)
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
	for _, err := range []error{o.conns.check(), o.limits.check()} {
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 2
		}
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	if err := serve(stop, log, o, routes); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the credentials cache and serves HTTP on o.addr until stop
// is closed, then shuts down gracefully.
func serve(stop <-chan struct{}, log *slog.Logger, o options, routes func(App) http.Handler) error {
	creds, err := cache.New(o.dir, cache.WithWatch(o.watch), cache.WithLogger(log))
	if err != nil {
		return err
	}
	defer creds.Close()
	service, err := o.limits.service(creds, log)
	if err != nil {
		return err
	}
	authLog := authlog.New(log, o.limits.clientKey(), authlog.DefaultPeriod)
	defer authLog.Close()

	// Listen first, so that the log tells the real port when addr's is 0.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	app := App{Creds: creds, Log: log, Service: service, AuthLog: authLog}
	srv, limited := o.conns.server(routes(app), ln, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	log.Info("listening", "addr", ln.Addr().String(), "dir", creds.CredsDir(), "watching", o.watch)
	log.Info("limits", "max_conns", o.conns.maxConns, "idle_timeout", o.conns.idleTimeout,
		"read_timeout", o.conns.readTimeout, "service", o.limits.logValue())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(limited) }()
	select {
	case err := <-served:
		return err
	case <-stop:
	}

	log.Info("shutting down", "wait", o.conns.shutdownTimeout, "hint", "a second signal stops at once")
	err = o.conns.shutdown(srv, limited, log)
	<-served // http.ErrServerClosed, once Shutdown has begun
	if err != nil {
		return err
	}
	authLog.Close()
	creds.Close()
	log.Info("stopped")
	return nil
}
