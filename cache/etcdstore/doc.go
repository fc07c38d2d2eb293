// Package etcdstore keeps fixie credentials in etcd, so that app servers
// on many hosts share one set of users: [New] returns a [cache.Store] for
// [cache.Open]. A registration, reset or deregistration made through any
// server takes effect on every other as soon as etcd's watch tells it,
// within milliseconds on a local network, while Verify of a cached user
// stays in memory.
//
// Each user is one key, prefix+user, whose value is the bytes of the
// user's file in a credentials directory, so records move between a
// directory and etcd unchanged; a name the cache refuses never reaches
// etcd. Reads are linearizable; Register, Reset and Deregister are
// transactions: of concurrent registrations of a name exactly one wins,
// and a Deregister racing a Reset never removes the record the Reset
// wrote. A call whose context has no deadline is bounded at 5 s; a write
// that timed out may have been applied.
//
// The cache trusts an entry only while the store's watch proves, every
// few tens of milliseconds, that it has reported every change. Without
// that proof an entry is read again; if etcd cannot be reached, Verify
// fails (the middleware answers 500) rather than answer from stale data
// ([cache.WithOutageGrace] trades that for availability), and once the
// watch finds etcd out of reach every call fails at once with
// [ErrUnreachable]. Nothing needs restarting when etcd is back.
//
// The caller builds the client and closes it after the cache: every
// member's endpoint, TLS and authentication, DialKeepAliveTime and
// DialKeepAliveTimeout (10 s and 3 s, say), and a reconnect backoff whose
// MaxDelay is about a second (grpc.WithConnectParams in DialOptions), or
// a server may serve again only minutes after etcd is back. Every server
// and tool of a deployment uses the same prefix, ending with '/', and the
// same token size ([cache.WithNBytes]). How the watch proves itself, what
// the store does under faults and what to set on etcd (compaction
// retention) are in README.md in this directory.
package etcdstore
