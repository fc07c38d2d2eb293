// Package etcdconn connects the examples to etcd: the -etcd and
// -etcd-prefix flags that examples/etcdserver and examples/credsctl share,
// the etcd client they build from them, and a zap logger that writes
// through log/slog, so that the client's and the store's log lines come
// out as the rest of a program's do.
//
// Only the etcd examples import it: examples/server and examples/echo
// build without etcd.
package etcdconn
