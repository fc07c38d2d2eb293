// Package servemain runs the example servers: their flags, the
// credentials cache (on a directory, or on what a [Source] opens), the
// fixie-creds service with its limits, the bounded log of authentication
// decisions, listening with bounded connections, a graceful shutdown on
// SIGINT or SIGTERM, and the operator's routes beside theirs: /readyz,
// and, with -metrics-addr, /metrics on a listener of its own (ops.go).
// Each example supplies only its routes.
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

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/examples/internal/audit"
	"github.com/fixiecreds/fixiecreds/examples/internal/authlog"
)

// Main runs the program name with args until SIGINT or SIGTERM, serving
// the handler that routes builds on a credentials directory (flags -dir
// and -watch) on the address of the flag -addr, addr by default, and
// exits with 0 after a stop (even one that had to cut requests off), 1 if
// it cannot start, 2 on bad flags. After the first signal, a second one
// ends the process at once.
func Main(name, addr string, routes func(Env) http.Handler) {
	MainOn(name, addr, &Dir{}, routes)
}

// MainOn is [Main] on the records that src opens, with src's flags in
// place of -dir and -watch.
func MainOn(name, addr string, src Source, routes func(Env) http.Handler) {
	ctx, stop := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		// From now on a signal does what it does by default: it ends
		// the process at once, in the middle of the shutdown.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		stop()
		select {
		case sig := <-sigs: // a second one came before the Reset
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig)
			}
		default:
		}
	}()
	os.Exit(run(ctx, name, addr, os.Args[1:], os.Stderr, src, routes))
}

// options are the flags common to every example server.
type options struct {
	addr     string
	logLevel slog.Level
	auditLog string
	conns    connOptions
	limits   limitOptions
}

// run parses the flags, -addr defaulting to addr, serves until ctx is
// done and returns the exit code.
func run(ctx context.Context, name, addr string, args []string, stderr io.Writer, src Source, routes func(Env) http.Handler) int {
	var o options
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&o.addr, "addr", addr, "listen on `host:port`; port 0 picks a free port")
	src.AddFlags(flags)
	flags.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log at this `level` and above: DEBUG (every accepted request too), INFO, WARN or ERROR")
	flags.StringVar(&o.auditLog, "audit-log", "", "append a JSON line to `file` (created 0600) for each register, reset and deregister\nthrough /creds/, accepted or refused; if a line cannot be written, the answer is 500")
	o.conns.flags(flags)
	o.limits.flags(flags)
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
	for _, err := range []error{o.conns.check(), o.limits.check()} {
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 2
		}
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	if err := serve(ctx, log, o, src, ops, routes); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the credentials cache and serves HTTP on o.addr until ctx
// is done, then shuts down gracefully and closes the cache, then what src
// opened for it.
func serve(ctx context.Context, log *slog.Logger, o options, src Source, ops *ops, routes func(Env) http.Handler) error {
	opened, err := src.Open(ctx, log)
	if err != nil {
		return err
	}
	defer opened.Close()
	var m *opsMetrics
	if ops.metricsAddr != "" {
		m = newOpsMetrics(opened.Cache)
	}
	hooks := serviceHooks{outcome: m.serviceHook()}
	if o.auditLog != "" {
		trail, err := audit.Open(o.auditLog)
		if err != nil {
			return err
		}
		defer trail.Close()
		hooks.audit = trail.Record
		log.Info("audit trail", "file", o.auditLog)
	}
	env, closeEnv, err := newEnv(opened.Cache, log, o.limits, hooks)
	if err != nil {
		return err
	}
	defer closeEnv()
	env.Observe = m.authHook()

	// Listen first, so that the log tells the real port when addr's is 0.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if m != nil {
		mln, err := net.Listen("tcp", ops.metricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		defer serveMetrics(log, mln, m.handler(log))()
	}
	log.Info("limits", "max_conns", o.conns.maxConns, "idle_timeout", o.conns.idleTimeout,
		"read_timeout", o.conns.readTimeout, "service", o.limits.logValue())
	if err := serveOn(ctx, log, o.conns, ln, ops.handler(env, routes), opened.Attrs...); err != nil {
		return err
	}
	closeEnv()
	opened.Close()
	log.Info("stopped")
	return nil
}

// NewEnv returns the Env of a server on creds with the example servers'
// default limits, for programs that run servers of their own with
// [Serve], and a function that stops what it started.
func NewEnv(creds *cache.Cache, log *slog.Logger) (Env, func(), error) {
	var o limitOptions
	o.flags(flag.NewFlagSet("", flag.ContinueOnError))
	return newEnv(creds, log, o, serviceHooks{})
}

// newEnv returns the Env of a server on creds with the limits of o and
// the service's hooks, and a function that stops what it started.
// Calling that function more than once does nothing more.
func newEnv(creds *cache.Cache, log *slog.Logger, o limitOptions, hooks serviceHooks) (Env, func(), error) {
	service, err := o.service(creds, log, hooks)
	if err != nil {
		return Env{}, nil, err
	}
	if hooks.audit != nil && o.proxyHeader != "" {
		// Behind the proxies, the audit trail names the client they
		// report, not themselves.
		service = withClientAddr(service, o.clientKey())
	}
	authLog := authlog.New(log, o.clientKey(), authlog.DefaultPeriod)
	return Env{Creds: creds, Log: log, Service: service, AuthLog: authLog}, func() { _ = authLog.Close() }, nil
}

// serviceHooks are what the service reports to; nil ones are not called.
type serviceHooks struct {
	outcome func(*http.Request, httpapi.Outcome)            // each request
	audit   func(context.Context, httpapi.AuditEvent) error // each change
}

// withClientAddr returns h with the client's address, as addr tells it,
// in each request's context (see httpapi.WithClientAddr).
func withClientAddr(h http.Handler, addr func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(httpapi.WithClientAddr(r.Context(), addr(r))))
	})
}

// Handler returns the handler that routes builds on env, with /readyz in
// front of it, as [Main] serves it: for programs that run servers of
// their own with [Serve].
func Handler(env Env, routes func(Env) http.Handler) http.Handler {
	return (&ops{}).handler(env, routes)
}

// Serve serves handler on ln, with the example servers' default bounds on
// connections, until ctx is done, then shuts down gracefully: it stops
// accepting connections and waits for requests in flight, up to the
// shutdown timeout. It closes ln. It first logs "listening" with ln's
// address, which tells the real port when the one asked for was 0, and
// attrs.
func Serve(ctx context.Context, log *slog.Logger, ln net.Listener, handler http.Handler, attrs ...any) error {
	var o connOptions
	o.flags(flag.NewFlagSet("", flag.ContinueOnError))
	return serveOn(ctx, log, o, ln, handler, attrs...)
}

// serveOn is Serve with the bounds of o.
func serveOn(ctx context.Context, log *slog.Logger, o connOptions, ln net.Listener, handler http.Handler, attrs ...any) error {
	srv, limited := o.server(handler, ln, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	log.Info("listening", append([]any{"addr", ln.Addr().String()}, attrs...)...)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(limited) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	log.Info("shutting down", "wait", o.shutdownTimeout, "hint", "a second signal stops at once")
	err := o.shutdown(srv, limited, log)
	<-served // http.ErrServerClosed, once Shutdown has begun
	return err
}
