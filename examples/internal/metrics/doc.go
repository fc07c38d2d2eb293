// Package metrics exports what the example servers know to Prometheus:
// the credentials cache's counters ([NewCacheCollector], over
// cache.Cache.Stats) and every authentication decision of the middleware
// ([Outcomes], an OnOutcome hook): requests by result and reason, and a
// histogram of how long deciding took. The library itself does not import
// Prometheus; this package shows how a server that uses it can.
//
// # Cost on the hot path
//
// Prometheus's own counters and histograms are each one set of atomic
// words, which every request would write: on a busy server, cores take
// turns at the same cache lines. [Outcomes] counts instead in shards,
// each on cache lines of its own, picked at random per observation (from
// per-thread state), and adds the shards up only when scraped. See
// BenchmarkObserve for the difference.
//
// # Example
//
//	reg := prometheus.NewRegistry()
//	outcomes := metrics.NewOutcomes()
//	reg.MustRegister(metrics.NewCacheCollector(creds), outcomes)
//	auth := middleware.AuthWithConfig(creds, middleware.Config{OnOutcome: outcomes.Observe})
//	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
package metrics
