package servemain

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/examples/internal/metrics"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// readyTimeout bounds the read of the store that a readiness check makes.
const readyTimeout = 2 * time.Second

// ops are the operator's routes beside an example's own: /readyz on the
// server's listener, and, with -metrics-addr, /metrics on a listener of
// its own, which the operator keeps off the public network: metrics tell
// which users exist (a rejection's reason, the cache's entries).
type ops struct {
	metricsAddr string
}

// opsFlags defines the flags of ops on flags.
func opsFlags(flags *flag.FlagSet) *ops {
	o := &ops{}
	flags.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this `host:port`, and there only: the cache's counters,\n"+
		"authentication decisions, the service's requests by outcome, 429s by limit, users; empty: no metrics")
	return o
}

// handler returns the example's handler, built by routes, with /readyz
// in front of it.
func (o *ops) handler(env Env, routes func(Env) http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", readyz(env.Creds, env.Log))
	mux.Handle("/", routes(env))
	return mux
}

// opsMetrics are the collectors of a server's metrics and the hooks that
// feed them.
type opsMetrics struct {
	reg     *prometheus.Registry
	auth    *metrics.Outcomes
	service *metrics.Service
}

// newOpsMetrics returns the metrics of a server on creds.
func newOpsMetrics(creds *cache.Cache) *opsMetrics {
	m := &opsMetrics{reg: prometheus.NewRegistry(), auth: metrics.NewOutcomes(), service: metrics.NewService()}
	m.reg.MustRegister(
		metrics.NewCacheCollector(creds), m.auth, m.service, metrics.NewUsers(creds),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// authHook returns the middleware's hook that counts its decisions; nil
// without metrics.
func (m *opsMetrics) authHook() func(*http.Request, middleware.Outcome) {
	if m == nil {
		return nil
	}
	return m.auth.Observe
}

// serviceHook returns the service's hook that counts its requests; nil
// without metrics.
func (m *opsMetrics) serviceHook() func(*http.Request, httpapi.Outcome) {
	if m == nil {
		return nil
	}
	return m.service.Observe
}

// handler serves GET /metrics.
func (m *opsMetrics) handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	return mux
}

// serveMetrics serves h on ln until the returned function is called,
// which closes it and waits until it has stopped.
func serveMetrics(log *slog.Logger, ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving metrics", "addr", ln.Addr().String())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return func() {
		_ = srv.Close()
		<-done
	}
}

// readyz answers a readiness probe: 200 "ready" while the credentials
// cache can answer from fresh data, 503 "not ready" while the store
// cannot be read or its change feed has been down for a poll interval or
// longer (see cache.Cache.Ready). Anyone may ask, so the answer says no
// more: the reason, which may name a path, an OS error or a store's key,
// goes to log, once each time it changes. /healthz, the examples' own,
// stays a liveness check: it answers as long as the process serves.
func readyz(creds *cache.Cache, log *slog.Logger) http.HandlerFunc {
	var mu sync.Mutex
	var last string // the reason last logged; "" while ready
	return func(w http.ResponseWriter, r *http.Request) {
		// A client that hangs up does not make the server not ready.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), readyTimeout)
		defer cancel()
		err := creds.Ready(ctx)
		reason := ""
		if err != nil {
			reason = err.Error()
		}
		mu.Lock()
		if reason != last {
			if reason == "" {
				log.Info("ready again")
			} else {
				log.Warn("not ready", "reason", reason)
			}
			last = reason
		}
		mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not ready\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	}
}
