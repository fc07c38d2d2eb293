package servemain

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/metrics"
)

// readyTimeout bounds the read of the store that a readiness check makes.
const readyTimeout = 2 * time.Second

// ops are the operator's routes beside an example's own: /readyz always,
// /metrics with -metrics.
type ops struct {
	metrics bool
}

// opsFlags defines the flags of ops on flags.
func opsFlags(flags *flag.FlagSet) *ops {
	o := &ops{}
	flags.BoolVar(&o.metrics, "metrics", false, "serve Prometheus metrics at /metrics (cache counters, and authentication decisions by result and reason)")
	return o
}

// handler returns the example's handler, built by routes, with the
// operator's routes in front of it.
func (o *ops) handler(env Env, routes func(Env) http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", readyz(env.Creds))
	if o.metrics {
		outcomes := metrics.NewOutcomes()
		env.Observe = outcomes.Observe
		reg := prometheus.NewRegistry()
		reg.MustRegister(
			metrics.NewCacheCollector(env.Creds), outcomes,
			collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(env.Log.Handler(), slog.LevelWarn)}))
	}
	mux.Handle("/", routes(env))
	return mux
}

// readyz answers a readiness probe: 200 while the credentials cache can
// answer from fresh data, 503 with the reason while the store cannot be
// read or its change feed has been down for a poll interval or longer
// (see cache.Cache.Ready). /healthz, the examples' own, stays a liveness
// check: it answers as long as the process serves.
func readyz(creds *cache.Cache) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		if err := creds.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	}
}
