package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fixiecreds/fixiecreds/cache"
)

// CacheCollector exports a credentials cache's Stats to Prometheus, read
// at each scrape. Make it with [NewCacheCollector].
type CacheCollector struct {
	stats func() cache.Stats

	hits, misses, loads, loadErrors, outageAnswers *prometheus.Desc
	entries, maxEntries, evictions                 *prometheus.Desc
	feedReporting, feedLastReported                *prometheus.Desc
}

var _ prometheus.Collector = (*CacheCollector)(nil)

// NewCacheCollector returns a collector over c.Stats().
func NewCacheCollector(c *cache.Cache) *CacheCollector {
	return newCacheCollector(c.Stats)
}

func newCacheCollector(stats func() cache.Stats) *CacheCollector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("fixiecreds_cache_"+name, help, labels, nil)
	}
	return &CacheCollector{
		stats:         stats,
		hits:          desc("hits_total", "Lookups answered from memory (an estimate: one in 64 is counted, as 64)."),
		misses:        desc("misses_total", "Lookups that had to read the store."),
		loads:         desc("loads_total", "Reads of the store made to fill the cache."),
		loadErrors:    desc("load_errors_total", "Reads of the store that failed or found a record that could not be parsed."),
		outageAnswers: desc("outage_answers_total", "Answers given from entries no longer trusted because the store could not be read (WithOutageGrace)."),
		entries:       desc("entries", "Entries held now, by map: registered users, and names known to have no record.", "map"),
		maxEntries:    desc("max_entries", "Bound of each map.", "map"),
		evictions:     desc("evictions_total", "Entries dropped to make room under the bounds, by map.", "map"),
		feedReporting: desc("feed_reporting", "1 while the store's change feed reports changes, else 0 (entries are then trusted for the trust window past their read, or the poll interval while the store is polled)."),
		feedLastReported: desc("feed_last_reported_timestamp_seconds",
			"When the change feed was last known to report, in Unix seconds; 0 if it never did."),
	}
}

// Describe implements prometheus.Collector.
func (c *CacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.loads, c.loadErrors, c.outageAnswers,
		c.entries, c.maxEntries, c.evictions, c.feedReporting, c.feedLastReported} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *CacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter(c.hits, s.Hits)
	counter(c.misses, s.Misses)
	counter(c.loads, s.Loads)
	counter(c.loadErrors, s.LoadErrors)
	counter(c.outageAnswers, s.OutageAnswers)
	gauge(c.entries, float64(s.Users), "users")
	gauge(c.entries, float64(s.Unknown), "unknown")
	gauge(c.maxEntries, float64(s.MaxUsers), "users")
	gauge(c.maxEntries, float64(s.MaxUnknown), "unknown")
	counter(c.evictions, s.UserEvictions, "users")
	counter(c.evictions, s.UnknownEvictions, "unknown")
	reporting, last := 0.0, 0.0
	if s.FeedReporting {
		reporting = 1
	}
	if !s.FeedLastReported.IsZero() {
		last = float64(s.FeedLastReported.UnixNano()) / 1e9
	}
	gauge(c.feedReporting, reporting)
	gauge(c.feedLastReported, last)
}
