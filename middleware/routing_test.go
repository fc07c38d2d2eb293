package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// chain is a router with chi's middleware shape: Use adds middleware to
// every route registered after it, With returns a copy with extra middleware
// for the next routes, and both take func(http.Handler) http.Handler.
type chain struct {
	mux *http.ServeMux
	mws []func(http.Handler) http.Handler
}

func newChain() *chain { return &chain{mux: http.NewServeMux()} }

func (c *chain) Use(mws ...func(http.Handler) http.Handler) { c.mws = append(c.mws, mws...) }

func (c *chain) With(mws ...func(http.Handler) http.Handler) *chain {
	return &chain{mux: c.mux, mws: append(slices.Clip(c.mws), mws...)}
}

func (c *chain) Handle(pattern string, h http.Handler) {
	for i := len(c.mws) - 1; i >= 0; i-- {
		h = c.mws[i](h)
	}
	c.mux.Handle(pattern, h)
}

func (c *chain) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// whoami answers with the verified user and the {id} path value, if any.
func whoami(w http.ResponseWriter, r *http.Request) {
	user, ok := middleware.UserFromContext(r.Context())
	if !ok {
		user = "anonymous"
	}
	_, _ = io.WriteString(w, user+" "+r.PathValue("id"))
}

// traceLog records the order middleware runs in; servers call it from their
// own goroutines.
type traceLog struct {
	mu    sync.Mutex
	names []string
}

func (l *traceLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.names)
}

// trace is middleware that records its name in log.
func trace(name string, log *traceLog) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.mu.Lock()
			log.names = append(log.names, name)
			log.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
}

type routeCase struct {
	name       string
	method     string
	path       string
	creds      bool
	wantStatus int
	wantBody   string
}

func serveCases(t *testing.T, h http.Handler, tests []routeCase) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			require.NoError(t, err)
			if tt.creds {
				req.Header.Set("X-Fixie-User", "alice")
				req.Header.Set("X-Fixie-Token", aliceToken)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, string(body))
			}
		})
	}
}

func TestServeMuxRouteByRoute(t *testing.T) {
	t.Parallel()
	auth := middleware.Auth(newUsers())
	mux := http.NewServeMux()
	mux.Handle("/public", http.HandlerFunc(whoami))
	mux.Handle("/private", auth(http.HandlerFunc(whoami)))
	mux.Handle("GET /items/{id}", auth(http.HandlerFunc(whoami)))
	mux.Handle("DELETE /items/{id}", auth(http.HandlerFunc(whoami)))

	serveCases(t, mux, []routeCase{
		{name: "public without credentials", method: http.MethodGet, path: "/public", wantStatus: http.StatusOK, wantBody: "anonymous "},
		{name: "public with credentials is not checked", method: http.MethodGet, path: "/public", creds: true, wantStatus: http.StatusOK, wantBody: "anonymous "},
		{name: "private without credentials", method: http.MethodGet, path: "/private", wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody},
		{name: "private with credentials", method: http.MethodGet, path: "/private", creds: true, wantStatus: http.StatusOK, wantBody: "alice "},
		{name: "pattern route keeps path values", method: http.MethodGet, path: "/items/7", creds: true, wantStatus: http.StatusOK, wantBody: "alice 7"},
		{name: "pattern route without credentials", method: http.MethodDelete, path: "/items/7", wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody},
		{name: "method not routed is the mux's answer", method: http.MethodPost, path: "/items/7", creds: true, wantStatus: http.StatusMethodNotAllowed},
	})
}

func TestChainRouterComposition(t *testing.T) {
	t.Parallel()
	var log traceLog
	r := newChain()
	r.Use(trace("outer", &log))
	r.Handle("GET /public", http.HandlerFunc(whoami))
	r.With(middleware.Auth(newUsers()), trace("inner", &log)).Handle("GET /private/{id}", http.HandlerFunc(whoami))
	r.Handle("GET /also-public", http.HandlerFunc(whoami))

	serveCases(t, r, []routeCase{
		{name: "public", method: http.MethodGet, path: "/public", wantStatus: http.StatusOK, wantBody: "anonymous "},
		{name: "With does not leak to later routes", method: http.MethodGet, path: "/also-public", wantStatus: http.StatusOK, wantBody: "anonymous "},
		{name: "private refused", method: http.MethodGet, path: "/private/1", wantStatus: http.StatusUnauthorized, wantBody: unauthorizedBody},
		{name: "private accepted", method: http.MethodGet, path: "/private/2", creds: true, wantStatus: http.StatusOK, wantBody: "alice 2"},
	})
	// Each request ran "outer"; only the accepted private one got past Auth to "inner".
	assert.Equal(t, []string{"outer", "outer", "outer", "outer", "inner"}, log.get())
}
