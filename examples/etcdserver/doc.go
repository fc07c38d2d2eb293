// Etcdserver is examples/server on etcd: the same routes, with users kept
// in etcd instead of a directory, so that any number of these servers,
// on any hosts, share them. A reset or deregistration through one takes
// effect on every other as soon as etcd's watch tells it, in milliseconds.
//
// Run it from the repository root, on an etcd you have; it listens on
// 127.0.0.1:8082, and a second one on a free port that its log names:
//
//	go run ./examples/etcdserver -etcd 127.0.0.1:2379
//	go run ./examples/etcdserver -etcd 127.0.0.1:2379 -addr 127.0.0.1:0
//
// or without one: go run ./examples/etcdcluster starts an etcd and three
// of these servers in one process.
//
// Flags:
//
//	-addr host:port         where to listen (default 127.0.0.1:8082); port 0
//	                        picks a free port, and the "listening" log line
//	                        says which
//	-etcd host:port,...     etcd endpoints, every member of the cluster
//	                        (default 127.0.0.1:2379)
//	-etcd-prefix prefix     key prefix of the users' records, ending with '/'
//	                        (default /fixiecreds/users/): one per deployment,
//	                        the same for every server and credsctl in it
//	-metrics-addr host:port serve Prometheus metrics at /metrics there only
//
// Routes are examples/server's: /creds/register, /creds/verify,
// /creds/deregister and /creds/reset (POST), the public / and /healthz,
// the protected /hello, /forward-auth for a reverse proxy in front, and
// /readyz, which answers 503 "not ready" while etcd cannot be read or the
// change feed has been down for a poll interval, and logs why.
//
// The server listens at once, whether etcd answers or not, and logs a
// warning if etcd has not answered within 5 seconds. While etcd cannot be
// reached, a request that needs a record it cannot trust gets a 500,
// never a pass on stale data: at once, once the change feed has found
// etcd out of reach, so that a flood of such requests holds no
// connection and /healthz stays quick. The server recovers by itself
// within about a second of etcd answering again. Its log says when the
// change feed is lost, when etcd is found out of reach, and when both
// come back.
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
