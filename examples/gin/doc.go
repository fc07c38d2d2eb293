// Gin is the example server of examples/server written with gin: the
// fixie-creds service under /creds/, a public / and a route group, here
// holding /hello, that only users with fixie credentials can reach. gin
// has no door of its own in the library: the group is guarded by a
// handler of a few lines over middleware.Checker (auth, in app.go), which
// decides as middleware.Auth and echomw.Auth do.
//
// Run it from the repository root:
//
//	go run ./examples/gin
//
// It listens on 127.0.0.1:8083 (-addr host:port to change it), so that
// it runs beside the other example servers. It takes the same flags as
// examples/server (-dir; -watch; -metrics-addr; the bounds on connections
// and the service's limits), serves the same /healthz, /forward-auth (for
// a reverse proxy in front), /readyz and, with -metrics-addr, /metrics on
// a listener of its own, logs the same lines, authentication decisions
// included, shuts down the same way on SIGINT or SIGTERM, and answers the
// same curl session:
//
//	curl -d '{"user":"alice","email":"alice@example.org"}' localhost:8083/creds/register
//	curl -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" localhost:8083/hello
//
// Refusals are 401 with {"message":"Unauthorized"} and a
// WWW-Authenticate: Fixie challenge, and 500 with {"message":"Credentials
// could not be verified"} when verification could not complete.
package main
