package metrics

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// kind is one (result, reason) pair that Outcomes counts.
type kind uint8

const (
	accepted kind = iota
	skipped
	missing
	notRegistered
	invalidUser
	invalidToken
	malformedToken
	tokenExpired
	invalidCredentials // a repeated header, an unreadable Basic header
	failed
	nKinds
)

// labels are each kind's result and reason labels.
var labels = [nKinds][2]string{
	accepted:           {"accepted", ""},
	skipped:            {"skipped", ""},
	missing:            {"missing", "missing_credentials"},
	notRegistered:      {"rejected", "not_registered"},
	invalidUser:        {"rejected", "invalid_user"},
	invalidToken:       {"rejected", "invalid_token"},
	malformedToken:     {"rejected", "malformed_token"},
	tokenExpired:       {"rejected", "token_expired"},
	invalidCredentials: {"rejected", "invalid_credentials"},
	failed:             {"failed", "verify_failed"},
}

// kindOf classifies an outcome.
func kindOf(o middleware.Outcome) kind {
	switch o.Result {
	case middleware.Accepted:
		return accepted
	case middleware.Skipped:
		return skipped
	case middleware.Missing:
		return missing
	case middleware.Failed:
		return failed
	}
	switch {
	case errors.Is(o.Err, cache.ErrNotRegistered):
		return notRegistered
	case errors.Is(o.Err, cache.ErrInvalidUser):
		return invalidUser
	case errors.Is(o.Err, cache.ErrMalformedToken):
		return malformedToken
	case errors.Is(o.Err, cache.ErrTokenExpired):
		return tokenExpired
	case errors.Is(o.Err, cache.ErrInvalidToken):
		return invalidToken
	}
	return invalidCredentials
}

// results are the values of the histogram's result label, and resultOf
// maps a kind to its index in it.
var (
	results  = [...]string{"accepted", "skipped", "missing", "rejected", "failed"}
	resultOf = [nKinds]uint8{accepted: 0, skipped: 1, missing: 2, notRegistered: 3, invalidUser: 3,
		invalidToken: 3, malformedToken: 3, tokenExpired: 3, invalidCredentials: 3, failed: 4}
)

// Buckets are the upper bounds, in seconds, of the decision latency
// histogram: from a cached verification (well under a microsecond) to a
// remote service timing out (seconds).
var Buckets = [...]float64{
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
	1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5,
}

// bucketNanos are Buckets in nanoseconds, to place an observation
// without floating point.
var bucketNanos = func() (ns [len(Buckets)]int64) {
	for i, b := range Buckets {
		ns[i] = int64(b * 1e9)
	}
	return ns
}()

// nSlots is the histogram's slots: one per bound, then +Inf.
const nSlots = len(Buckets) + 1

const cacheLine = 64

// shard is one set of counters. Its size is a whole number of cache
// lines, so that shards share none.
type shard struct {
	counts  [nKinds]atomic.Uint64
	buckets [len(results)][nSlots]atomic.Uint64
	sums    [len(results)]atomic.Int64 // nanoseconds
	_       [cacheLine - (int(nKinds)+len(results)*nSlots+len(results))*8%cacheLine]byte
}

// Outcomes counts the middleware's decisions for Prometheus: it is a
// prometheus.Collector and its Observe method is a Config.OnOutcome (for
// echomw, call it with c.Request()). Each decision is counted by result
// and reason (fixiecreds_auth_requests_total) and its Outcome.Elapsed
// goes into a histogram by result (fixiecreds_auth_decision_seconds). It
// is safe for concurrent use; the zero value is not usable: call
// [NewOutcomes].
type Outcomes struct {
	shards []shard
	mask   uint32

	requests *prometheus.Desc
	latency  *prometheus.Desc
}

var _ prometheus.Collector = (*Outcomes)(nil)

// NewOutcomes returns counters with two shards per CPU, rounded up to a
// power of two.
func NewOutcomes() *Outcomes {
	n := 1
	for n < 2*runtime.GOMAXPROCS(0) {
		n *= 2
	}
	return &Outcomes{
		shards: make([]shard, n),
		mask:   uint32(n - 1),
		requests: prometheus.NewDesc("fixiecreds_auth_requests_total",
			"Requests the fixie credentials middleware decided on, by result and, for refusals, reason.",
			[]string{"result", "reason"}, nil),
		latency: prometheus.NewDesc("fixiecreds_auth_decision_seconds",
			"How long the middleware took to decide on a request, verification included.",
			[]string{"result"}, nil),
	}
}

// Observe counts one decision. It writes only to a shard picked at
// random, never to a line that every request writes.
func (m *Outcomes) Observe(_ *http.Request, o middleware.Outcome) {
	k := kindOf(o)
	s := &m.shards[rand.Uint32()&m.mask]
	s.counts[k].Add(1)
	r := resultOf[k]
	ns := int64(o.Elapsed)
	i := 0
	for i < len(bucketNanos) && ns > bucketNanos[i] {
		i++
	}
	s.buckets[r][i].Add(1)
	s.sums[r].Add(ns)
}

// Describe implements prometheus.Collector.
func (m *Outcomes) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.requests
	ch <- m.latency
}

// Collect implements prometheus.Collector: it adds up the shards.
func (m *Outcomes) Collect(ch chan<- prometheus.Metric) {
	var counts [nKinds]uint64
	var buckets [len(results)][nSlots]uint64
	var sums [len(results)]int64
	for i := range m.shards {
		s := &m.shards[i]
		for k := range counts {
			counts[k] += s.counts[k].Load()
		}
		for r := range buckets {
			for b := range buckets[r] {
				buckets[r][b] += s.buckets[r][b].Load()
			}
			sums[r] += s.sums[r].Load()
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(m.requests, prometheus.CounterValue, float64(n), labels[k][0], labels[k][1])
	}
	for r, result := range results {
		cumulative := make(map[float64]uint64, len(Buckets))
		var total uint64
		for b, upper := range Buckets {
			total += buckets[r][b]
			cumulative[upper] = total
		}
		total += buckets[r][len(Buckets)]
		ch <- prometheus.MustNewConstHistogram(m.latency, total, time.Duration(sums[r]).Seconds(), cumulative, result)
	}
}
