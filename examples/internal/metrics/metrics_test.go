package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

func TestOutcomesCounts(t *testing.T) {
	t.Parallel()
	m := NewOutcomes()
	observe := func(n int, o middleware.Outcome) {
		for range n {
			m.Observe(nil, o)
		}
	}
	observe(3, middleware.Outcome{Result: middleware.Accepted, Elapsed: 800 * time.Nanosecond})
	observe(1, middleware.Outcome{Result: middleware.Skipped})
	observe(2, middleware.Outcome{Result: middleware.Missing, Err: fmt.Errorf("%w: no X-Fixie-User header", middleware.ErrMissingCredentials)})
	observe(1, middleware.Outcome{Result: middleware.Rejected, Err: cache.ErrNotRegistered})
	observe(1, middleware.Outcome{Result: middleware.Rejected, Err: fmt.Errorf("%w: %q", cache.ErrInvalidUser, ".x")})
	observe(1, middleware.Outcome{Result: middleware.Rejected, Err: cache.ErrInvalidToken})
	observe(4, middleware.Outcome{Result: middleware.Rejected, Err: cache.ErrMalformedToken})
	observe(2, middleware.Outcome{Result: middleware.Rejected, Err: cache.ErrTokenExpired})
	observe(1, middleware.Outcome{Result: middleware.Rejected, Err: fmt.Errorf("%w: repeated", middleware.ErrInvalidCredentials)})
	observe(1, middleware.Outcome{Result: middleware.Failed, Err: errors.Join(middleware.ErrVerifyFailed, errors.New("disk")), Elapsed: 3 * time.Second})

	want := `
# HELP fixiecreds_auth_requests_total Requests the fixie credentials middleware decided on, by result and, for refusals, reason.
# TYPE fixiecreds_auth_requests_total counter
fixiecreds_auth_requests_total{reason="",result="accepted"} 3
fixiecreds_auth_requests_total{reason="",result="skipped"} 1
fixiecreds_auth_requests_total{reason="missing_credentials",result="missing"} 2
fixiecreds_auth_requests_total{reason="not_registered",result="rejected"} 1
fixiecreds_auth_requests_total{reason="invalid_user",result="rejected"} 1
fixiecreds_auth_requests_total{reason="invalid_token",result="rejected"} 1
fixiecreds_auth_requests_total{reason="malformed_token",result="rejected"} 4
fixiecreds_auth_requests_total{reason="token_expired",result="rejected"} 2
fixiecreds_auth_requests_total{reason="invalid_credentials",result="rejected"} 1
fixiecreds_auth_requests_total{reason="verify_failed",result="failed"} 1
`
	require.NoError(t, testutil.CollectAndCompare(m, strings.NewReader(want), "fixiecreds_auth_requests_total"))

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m))
	families, err := reg.Gather()
	require.NoError(t, err)
	hists := map[string]*struct {
		count uint64
		sum   float64
		le1us uint64
	}{}
	for _, f := range families {
		if f.GetName() != "fixiecreds_auth_decision_seconds" {
			continue
		}
		for _, metric := range f.GetMetric() {
			h := metric.GetHistogram()
			entry := &struct {
				count uint64
				sum   float64
				le1us uint64
			}{count: h.GetSampleCount(), sum: h.GetSampleSum()}
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == 1e-6 {
					entry.le1us = b.GetCumulativeCount()
				}
			}
			hists[metric.GetLabel()[0].GetValue()] = entry
		}
	}
	require.Len(t, hists, 5)
	assert.Equal(t, uint64(3), hists["accepted"].count)
	assert.InDelta(t, 2.4e-6, hists["accepted"].sum, 1e-12)
	assert.Equal(t, uint64(3), hists["accepted"].le1us, "800 ns is under the first bound")
	assert.Equal(t, uint64(10), hists["rejected"].count)
	assert.Equal(t, uint64(1), hists["failed"].count)
	assert.Equal(t, uint64(0), hists["failed"].le1us)
	assert.InDelta(t, 3.0, hists["failed"].sum, 1e-9, "past the last bound, in +Inf")

	problems, err := testutil.CollectAndLint(m)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestOutcomesShards(t *testing.T) {
	t.Parallel()
	m := NewOutcomes()
	assert.GreaterOrEqual(t, len(m.shards), 2)
	assert.Zero(t, len(m.shards)&(len(m.shards)-1), "a power of two")
	assert.Zero(t, unsafe.Sizeof(shard{})%cacheLine, "a whole number of cache lines")
}

func TestCacheCollector(t *testing.T) {
	t.Parallel()
	last := time.Unix(1700000000, 500_000_000)
	c := newCacheCollector(func() cache.Stats {
		return cache.Stats{
			Hits: 6400, Misses: 7, Loads: 9, LoadErrors: 1, OutageAnswers: 2,
			Users: 3, Unknown: 4, MaxUsers: 100000, MaxUnknown: 10000,
			UserEvictions: 5, UnknownEvictions: 6,
			FeedReporting: false, FeedLastReported: last,
		}
	})
	want := `
# HELP fixiecreds_cache_entries Entries held now, by map: registered users, and names known to have no record.
# TYPE fixiecreds_cache_entries gauge
fixiecreds_cache_entries{map="unknown"} 4
fixiecreds_cache_entries{map="users"} 3
# HELP fixiecreds_cache_evictions_total Entries dropped to make room under the bounds, by map.
# TYPE fixiecreds_cache_evictions_total counter
fixiecreds_cache_evictions_total{map="unknown"} 6
fixiecreds_cache_evictions_total{map="users"} 5
# HELP fixiecreds_cache_feed_last_reported_timestamp_seconds When the change feed was last known to report, in Unix seconds; 0 if it never did.
# TYPE fixiecreds_cache_feed_last_reported_timestamp_seconds gauge
fixiecreds_cache_feed_last_reported_timestamp_seconds 1.7000000005e+09
# HELP fixiecreds_cache_feed_reporting 1 while the store's change feed reports changes, else 0 (entries are then trusted for the trust window past their read, or the poll interval while the store is polled).
# TYPE fixiecreds_cache_feed_reporting gauge
fixiecreds_cache_feed_reporting 0
# HELP fixiecreds_cache_hits_total Lookups answered from memory (an estimate: one in 64 is counted, as 64).
# TYPE fixiecreds_cache_hits_total counter
fixiecreds_cache_hits_total 6400
# HELP fixiecreds_cache_load_errors_total Reads of the store that failed or found a record that could not be parsed.
# TYPE fixiecreds_cache_load_errors_total counter
fixiecreds_cache_load_errors_total 1
# HELP fixiecreds_cache_loads_total Reads of the store made to fill the cache.
# TYPE fixiecreds_cache_loads_total counter
fixiecreds_cache_loads_total 9
# HELP fixiecreds_cache_max_entries Bound of each map.
# TYPE fixiecreds_cache_max_entries gauge
fixiecreds_cache_max_entries{map="unknown"} 10000
fixiecreds_cache_max_entries{map="users"} 100000
# HELP fixiecreds_cache_misses_total Lookups that had to read the store.
# TYPE fixiecreds_cache_misses_total counter
fixiecreds_cache_misses_total 7
# HELP fixiecreds_cache_outage_answers_total Answers given from entries no longer trusted because the store could not be read (WithOutageGrace).
# TYPE fixiecreds_cache_outage_answers_total counter
fixiecreds_cache_outage_answers_total 2
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want)))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestCacheCollectorOnACache: over a real cache, through the middleware,
// the numbers move as requests come.
func TestCacheCollectorOnACache(t *testing.T) {
	t.Parallel()
	creds, err := cache.New(t.TempDir(), cache.WithWatch(false))
	require.NoError(t, err)
	t.Cleanup(func() { creds.Close() })
	token, err := creds.Register("alice", "alice@example.org")
	require.NoError(t, err)

	outcomes := NewOutcomes()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCacheCollector(creds), outcomes)
	auth := middleware.AuthWithConfig(creds, middleware.Config{OnOutcome: outcomes.Observe})
	h := auth(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tok := range []string{token, token, `"` + token + `"`} {
		req, err := http.NewRequest(http.MethodGet, "/", nil)
		require.NoError(t, err)
		req.Header.Set("X-Fixie-User", "alice")
		req.Header.Set("X-Fixie-Token", tok)
		h.ServeHTTP(discard{}, req)
	}
	n, err := testutil.GatherAndCount(reg, "fixiecreds_cache_loads_total")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	families, err := reg.Gather()
	require.NoError(t, err)
	values := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			if c := m.GetCounter(); c != nil {
				values[key] = c.GetValue()
			}
		}
	}
	assert.GreaterOrEqual(t, values["fixiecreds_cache_loads_total"], 1.0)
	assert.Equal(t, 2.0, values["fixiecreds_auth_requests_total,reason=,result=accepted"])
	assert.Equal(t, 1.0, values["fixiecreds_auth_requests_total,reason=malformed_token,result=rejected"])
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
