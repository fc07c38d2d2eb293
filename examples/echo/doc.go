// Echo is the example server of examples/server written with Echo v4: the
// fixie-creds service under /creds/, a public / and a /hello route that only
// users with fixie credentials can reach, guarded by echomw.Auth.
//
// Run it from the repository root:
//
//	go run ./examples/echo
//
// It listens on 127.0.0.1:8081 (-addr host:port to change it), so that
// it runs beside examples/server. It takes the same flags as
// examples/server (-dir; -watch; -metrics-addr; the bounds on connections
// and the service's limits), serves the same /healthz, /forward-auth (for
// a reverse proxy in front), /readyz and, with -metrics-addr, /metrics on
// a listener of its own, logs the same lines, authentication decisions
// included, shuts down the same way on SIGINT or SIGTERM, and answers the
// same curl session:
//
//	curl -d '{"user":"alice","email":"alice@example.org"}' localhost:8081/creds/register
//	curl -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" localhost:8081/hello
//
// Refusals come back through Echo's error handler: 401 with
// {"message":"Unauthorized"} and a WWW-Authenticate: Fixie challenge.
package main
