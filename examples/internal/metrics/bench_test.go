package metrics

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// BenchmarkObserve measures counting one accepted request from every
// core at once: with Outcomes' shards, and with Prometheus's own counter
// and histogram, whose words every request writes. None is the floor:
// the call alone.
func BenchmarkObserve(b *testing.B) {
	o := middleware.Outcome{Result: middleware.Accepted, User: "alice", Elapsed: 180 * time.Nanosecond}
	b.Run("none", func(b *testing.B) {
		hook := func(*http.Request, middleware.Outcome) {}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				hook(nil, o)
			}
		})
	})
	b.Run("sharded", func(b *testing.B) {
		m := NewOutcomes()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Observe(nil, o)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "h"}, []string{"result", "reason"})
		latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seconds", Help: "h", Buckets: Buckets[:]}, []string{"result"})
		// Resolved once, as a careful server does: no label look-up per request.
		counter, hist := requests.WithLabelValues("accepted", ""), latency.WithLabelValues("accepted")
		hook := func(_ *http.Request, o middleware.Outcome) {
			counter.Inc()
			hist.Observe(o.Elapsed.Seconds())
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				hook(nil, o)
			}
		})
	})
}

// BenchmarkAuth measures a verified request through middleware.Auth on a
// cache, from every core at once, without a hook and with each way of
// counting: what the metrics cost a request, clock reads for Elapsed
// included.
func BenchmarkAuth(b *testing.B) {
	creds, err := cache.New(b.TempDir(), cache.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { creds.Close() })
	token, err := creds.Register("alice", "alice@example.org")
	if err != nil {
		b.Fatal(err)
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "h"}, []string{"result", "reason"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seconds", Help: "h", Buckets: Buckets[:]}, []string{"result"})
	counter, hist := requests.WithLabelValues("accepted", ""), latency.WithLabelValues("accepted")
	for _, bc := range []struct {
		name string
		hook func(*http.Request, middleware.Outcome)
	}{
		{"no hook", nil},
		{"sharded", NewOutcomes().Observe},
		{"prometheus", func(_ *http.Request, o middleware.Outcome) {
			counter.Inc()
			hist.Observe(o.Elapsed.Seconds())
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := middleware.AuthWithConfig(creds, middleware.Config{OnOutcome: bc.hook})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("X-Fixie-User", "alice")
				tok := []string{token}
				for pb.Next() {
					req.Header["X-Fixie-Token"] = tok
					h.ServeHTTP(discard{}, req)
				}
			})
		})
	}
}
