package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// Service counts the fixie-creds service's requests for Prometheus: it
// is a prometheus.Collector and its Observe method is an
// httpapi.HandlerConfig.OnOutcome. Each request is counted by operation
// and result (fixiecreds_service_requests_total: registrations, resets
// and deregistrations by outcome), and each 429 by the limit that sent
// it (fixiecreds_service_limited_total). The service is limited per
// client, so plain Prometheus counters serve. It is safe for concurrent
// use; make it with [NewService].
type Service struct {
	requests *prometheus.CounterVec
	limited  *prometheus.CounterVec
}

var _ prometheus.Collector = (*Service)(nil)

// serviceResults are the results each operation can have, so that every
// series exists, at 0, from the start.
var serviceResults = map[string][]string{
	"register":   {"ok", "already_registered", "invalid", "cross_origin", "limited", "full", "failed"},
	"verify":     {"ok", "wrong_token", "not_registered", "invalid", "cross_origin", "failed"},
	"deregister": {"ok", "wrong_token", "not_registered", "invalid", "cross_origin", "failed"},
	"reset":      {"ok", "email_mismatch", "not_registered", "invalid", "cross_origin", "limited", "failed"},
}

// NewService returns the counters, every known series at 0.
func NewService() *Service {
	m := &Service{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fixiecreds_service_requests_total",
			Help: "Requests to the fixie-creds service, by operation and result (see httpapi.Outcome).",
		}, []string{"op", "result"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fixiecreds_service_limited_total",
			Help: "Requests to the fixie-creds service answered 429, by the limit that refused them: register, reset (per client) or reset_user.",
		}, []string{"limit"}),
	}
	for op, results := range serviceResults {
		for _, r := range results {
			m.requests.WithLabelValues(op, r)
		}
	}
	for _, l := range []string{"register", "reset", "reset_user"} {
		m.limited.WithLabelValues(l)
	}
	return m
}

// Observe counts one request.
func (m *Service) Observe(_ *http.Request, o httpapi.Outcome) {
	m.requests.WithLabelValues(o.Op, o.Result).Inc()
	if o.Limit != "" {
		m.limited.WithLabelValues(o.Limit).Inc()
	}
}

// Describe implements prometheus.Collector.
func (m *Service) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.limited.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Service) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.limited.Collect(ch)
}

// countEvery is how long a count of the users is reused: listing a
// directory of 100,000 users takes about a quarter of a second.
const countEvery = time.Minute

// Users exports the number of registered users (fixiecreds_users),
// counted by listing the store at most once a minute, whoever scrapes
// how often. A scrape while the store cannot be listed leaves the gauge
// out. Make it with [NewUsers].
type Users struct {
	list func() ([]string, error)
	now  func() time.Time
	desc *prometheus.Desc

	mu      sync.Mutex
	n       int
	counted time.Time // zero: never
}

var _ prometheus.Collector = (*Users)(nil)

// NewUsers returns the gauge of c's users.
func NewUsers(c *cache.Cache) *Users {
	return newUsers(c.Users, time.Now)
}

func newUsers(list func() ([]string, error), now func() time.Time) *Users {
	return &Users{list: list, now: now,
		desc: prometheus.NewDesc("fixiecreds_users", "Users registered in the store, counted at most once a minute.", nil, nil)}
}

// Describe implements prometheus.Collector.
func (u *Users) Describe(ch chan<- *prometheus.Desc) { ch <- u.desc }

// Collect implements prometheus.Collector.
func (u *Users) Collect(ch chan<- prometheus.Metric) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now := u.now(); u.counted.IsZero() || now.Sub(u.counted) >= countEvery {
		users, err := u.list()
		if err != nil {
			return
		}
		u.n, u.counted = len(users), now
	}
	ch <- prometheus.MustNewConstMetric(u.desc, prometheus.GaugeValue, float64(u.n))
}
