// Etcdserver is examples/server on etcd: the same routes, with users kept
// in etcd instead of a directory, so that any number of these servers,
// on any hosts, share them. A reset or deregistration through one takes
// effect on every other as soon as etcd's watch tells it, in milliseconds.
//
// Run it from the repository root, on an etcd you have:
//
//	go run ./examples/etcdserver -etcd 127.0.0.1:2379 -addr 127.0.0.1:8081
//	go run ./examples/etcdserver -etcd 127.0.0.1:2379 -addr 127.0.0.1:8082
//
// or without one: go run ./examples/etcdcluster starts an etcd and three
// of these servers in one process.
//
// Flags:
//
//	-addr host:port         where to listen (default 127.0.0.1:8080); port 0
//	                        picks a free port, and the "listening" log line
//	                        says which
//	-etcd host:port,...     etcd endpoints, every member of the cluster
//	                        (default 127.0.0.1:2379)
//	-etcd-prefix prefix     key prefix of the users' records, ending with '/'
//	                        (default /fixiecreds/users/): one per deployment,
//	                        the same for every server and credsctl in it
//	-metrics                serve Prometheus metrics at /metrics
//
// Routes are examples/server's: /creds/register, /creds/verify,
// /creds/deregister and /creds/reset (POST), the public / and /healthz,
// the protected /hello, /forward-auth for a reverse proxy in front, and
// /readyz, which answers 503 while etcd cannot
// be read or the change feed has been down for a poll interval.
//
// If etcd does not answer at start, the server logs a warning and serves
// anyway; while etcd cannot be reached, a request that needs a record
// not read within the last poll interval (1 s) gets a 500, never a pass
// on stale data, and the server recovers by itself when etcd is back.
// Its log says when the change feed is lost and when it reports again.
//
// SIGINT or SIGTERM shut it down gracefully: it stops accepting
// connections, waits up to 10 seconds for requests in flight, closes the
// cache (which ends its watch), then the etcd client, and exits 0. It
// exits 1 if it cannot start and 2 on bad flags.
//
// examples/credsctl administers the same users with -etcd and
// -etcd-prefix, and copies a credentials directory into etcd (import)
// and back (export).
package main
