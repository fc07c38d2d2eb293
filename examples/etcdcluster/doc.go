// Etcdcluster is a cluster of app servers sharing their users through
// etcd, on one machine, with nothing to install: it runs a one-member etcd
// and three servers in one process, each server with its own etcd client,
// cache and port, as each would have on a host of its own. Their routes
// are examples/server's.
//
// Run it from the repository root:
//
//	go run ./examples/etcdcluster
//
// It prints where everything listens (etcd on 127.0.0.1:2379, the servers
// on 127.0.0.1:8091, 8092 and 8093) and curl commands to try: register
// through one server, call /hello on every one, reset through another,
// and watch every server refuse the old token at once. credsctl -etcd
// and examples/etcdserver work on the same etcd meanwhile.
//
// Flags:
//
//	-servers n            how many app servers (default 3, at most 9)
//	-addr host:port       the first server's address (default 127.0.0.1:8091);
//	                      the others take the ports after it; port 0 gives
//	                      each a free port
//	-etcd host:port       where etcd listens for clients (default
//	                      127.0.0.1:2379); port 0 picks a free port
//	-data directory       etcd's data, kept for the next run (default a
//	                      temporary directory, removed at exit)
//	-etcd-prefix prefix   key prefix of the records (default /fixiecreds/users/)
//
// The instructions go to standard output, the log of etcd (errors only)
// and of the servers to standard error, never a token. SIGINT or SIGTERM
// stop the servers gracefully, close their caches, then their clients,
// then etcd, which waits up to about 5 seconds for the watches of
// clients in other processes (an etcdserver) to end. It exits 0 after a
// clean stop, 1 if it cannot start (a port in use: try -addr and -etcd
// with other ports, or port 0) and 2 on bad flags.
package main
