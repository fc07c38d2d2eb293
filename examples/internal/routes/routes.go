// Package routes is the app that the example net/http servers serve:
// examples/server on a credentials directory, examples/etcdserver and
// examples/etcdcluster on etcd.
package routes

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// Handler returns the server's handler: the fixie-creds service under
// /creds/, a public index at /, a public health check at /healthz, the
// protected /hello and /forward-auth, the same check for a reverse proxy
// in front of the server; their decisions go to the bounded log (and,
// with -metrics-addr, to /metrics).
func Handler(env servemain.Env) http.Handler {
	auth := middleware.AuthWithConfig(env.Creds, middleware.Config{
		OnOutcome: env.OnOutcome(),
	})

	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", env.Service))
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /hello", auth(http.HandlerFunc(hello)))
	mux.Handle("/forward-auth", env.ForwardAuth())
	return mux
}

// hello greets the user that the middleware verified.
func hello(w http.ResponseWriter, r *http.Request) {
	user, _ := middleware.UserFromContext(r.Context())
	fmt.Fprintf(w, "Hello, %s!\n", user)
}

// healthz answers a load balancer's or Kubernetes' health check.
func healthz(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "ok\n")
}

// index tells a visitor how to use the server.
func index(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, Index("", r.Host))
}

// Index returns the text of an example server's public index, for a
// request to host; framework, if not empty, names what the server is
// written with. A host that is not a plain name or address, with its
// port, is not copied into the commands shown (a client chooses it, and
// a reader may paste them into a shell): they then say HOST.
func Index(framework, host string) string {
	title := "fixiecreds example server"
	if framework != "" {
		title += " (" + framework + ")"
	}
	if !plainHost.MatchString(host) {
		host = "HOST"
	}
	return title + strings.ReplaceAll(indexText, "HOST", host)
}

// plainHost matches a host name or an IP address (IPv6 in brackets),
// with an optional port.
var plainHost = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$`)

const indexText = `

Register, and keep the token it answers (it is shown only once):
  curl -d '{"user":"alice","email":"alice@example.org"}' http://HOST/creds/register

Call the protected route with it:
  curl -H 'X-Fixie-User: alice' -H 'X-Fixie-Token: TOKEN' http://HOST/hello

Lost the token? Get a new one with the email you registered:
  curl -d '{"user":"alice","email":"alice@example.org"}' http://HOST/creds/reset

Also POST /creds/verify and /creds/deregister, with {"user":…,"token":…}.
`
