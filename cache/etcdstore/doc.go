// Package etcdstore keeps fixie credentials in etcd, so that app servers
// on many hosts share one set of users: a [cache.Store] for [cache.Open].
// A registration, reset or deregistration made through any server takes
// effect on every other as soon as etcd's watch tells it, within
// milliseconds on a local network, while Verify of a cached user stays in
// memory.
//
//	client, err := clientv3.New(clientv3.Config{
//		Endpoints:            []string{"etcd-1:2379", "etcd-2:2379", "etcd-3:2379"},
//		DialTimeout:          5 * time.Second,
//		DialKeepAliveTime:    10 * time.Second,
//		DialKeepAliveTimeout: 3 * time.Second,
//		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
//			Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond,
//				Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
//			MinConnectTimeout: 2 * time.Second,
//		})},
//	})
//	if err != nil { … }
//	defer client.Close()
//	store, err := etcdstore.New(client, "/fixiecreds/users/")
//	if err != nil { … }
//	creds, err := cache.Open(store) // as cache.New, on etcd
//	if err != nil { … }
//	defer creds.Close() // stops the watch; the client is yours to close
//	http.Handle("/", middleware.Auth(creds)(app))
//
// # Keys and values
//
// Each user has one key, prefix+user, whose value is exactly what the
// user's credentials file would hold in a directory,
// {"email":…,"hashed_token":…,"user":…}, so that records move between a
// directory and etcd unchanged. The prefix ends with '/', which no user
// name holds: keys below it (prefix+"x/y") and other keys that name no
// user are never read as users, though a change of one drops every cached
// entry, to be safe. A name that the cache would refuse never reaches
// etcd, so no key outside the prefix is ever touched.
//
// # Consistency
//
// Reads are linearizable: a read sees every write that completed before
// it, on any server. Register is a transaction that creates the key only
// if its CreateRevision is 0, so of concurrent registrations of a name on
// any number of servers exactly one wins. Reset and Deregister read the
// record and write it back in a transaction on the key's ModRevision,
// which is the record's [cache.Version]: a Deregister racing a Reset
// never removes the record the Reset wrote. A call whose context has no
// deadline is bounded at 5 s, etcd's own request timeout. A read not
// answered within 100 ms is sent again, to the next member, the first
// attempt still waiting, up to three at once: a member that froze keeps
// its connections open, and would otherwise hold a third of the reads
// for the whole bound until the client's keepalive drops it. Writes are
// sent once: one that timed out may have been applied.
//
// # The feed and its heartbeat
//
// Each [Store.Watch] (one per Cache) keeps one etcd watch on the prefix,
// on a gRPC stream of its own, and reports each changed key to the cache,
// which drops that user's entry. It remembers the last revision up to
// which it has reported every change. When a watch ends, the next starts
// from that revision: etcd replays what happened since, and nothing is
// missed. (The changes of that one revision come twice, which does no
// harm; etcd would answer no progress request on a watch from the
// revision after, which does not exist yet while nothing is written.) If
// etcd no longer has those revisions (they were compacted), the cache
// drops every entry and the watch starts again from the current
// revision.
//
// Silence proves nothing: a connection can die without an error, a
// process can be paused, a goroutine starved, and each looks like a quiet
// prefix. So the cache trusts an entry only within the trust window
// ([cache.WithTrustWindow], 100 ms by default) of the last moment the
// watch is proved to have reported every change, and each watch proves
// it every quarter of the window. Each beat it takes the time, then reads
// etcd linearizably (one key, count only): the read's revision covers
// every change committed before that time. Once the watch has reported
// every change up to that revision, by its events or by a progress
// notification (which etcd sends on the watch's stream after every event
// up to the revision it names), the moment is proved. A progress
// notification alone proves nothing about a moment: a member sends its
// own revision, which may lag behind the cluster's. A read is bounded at
// twice the window, so that one sent to a member that froze gives way to
// the next beat's, sent to the next member.
//
// When nothing has proved for seven eighths of the poll interval
// ([cache.WithPollInterval], 1 s by default), or the watch ends, the feed
// stops reporting: the cache drops every entry and then trusts one for
// the poll interval after its read, and a watch that has been silent
// meanwhile is replaced by one that resumes from the last revision seen.
// Once a moment after that is proved, the feed reports again.
//
// The watch and the reads are made with clientv3.WithRequireLeader: an
// etcd member cut off from the rest of its cluster refuses them, and the
// next go to another member. At the default window, the heartbeat costs
// each watch 40 linearizable reads of one key per second, and as many
// progress requests on its stream while etcd's revision is ahead of the
// prefix's. Log lines about the feed (lost, reporting again, a
// compaction) go to the client's logger.
//
// # Outages
//
// While the feed reports and proves, a cached user costs no call to
// etcd. Once the window has passed without proof, an entry is read again
// before it answers; if etcd cannot be reached, Verify fails (the
// middleware answers 500) instead of answering from data that may be
// stale, so a token revoked while a server was cut off is refused there
// too. [cache.WithOutageGrace] trades that for availability, for records
// read since the feed last stopped reporting: its loss drops the others.
// Registrations, resets and deregistrations fail while etcd is out of
// reach.
//
// Once a watch finds etcd out of reach (its feed is not reporting and
// its reads have gone unanswered for a poll interval), every call of the Store fails at once with [ErrUnreachable]
// instead of waiting for its bound, so that a flood of requests for
// users not in memory holds no connection of a server for seconds; the
// heartbeat goes on reading, one read at a time, and calls are sent
// again from the first answer on. A Store that nothing watches never
// fails so: a cache with watching off polls, and must keep working. Nothing needs restarting when etcd is back: the
// client reconnects, the watch resumes, and the feed reports again.
//
// # What an operator must set
//
//   - Compaction retention (--auto-compaction-retention, e.g. 1h): with
//     none, etcd keeps every revision of every reset forever; with
//     retention shorter than an outage, servers coming back drop their
//     whole cache once, which is safe but costs a read per user.
//   - The client: endpoints of every member, TLS, and etcd
//     authentication (Username and Password, or client certificates)
//     belong to the clientv3.Config the caller builds; the store takes the
//     configured client and adds nothing. A user for the store needs read
//     and write on the prefix's range only.
//   - DialKeepAliveTime and DialKeepAliveTimeout on the client, so that
//     gRPC closes a connection that died silently and moves to another
//     member. The heartbeat notices such a connection within the poll
//     interval either way, but only the client can replace it.
//   - A short reconnect backoff on the client (grpc.WithConnectParams
//     in DialOptions, with a MaxDelay of a second or so): gRPC's default
//     lets the wait between attempts grow to two minutes, and a server
//     then serves again up to that long after etcd is back.
//   - A prefix per deployment, ending with '/'. Every server and admin
//     tool of a deployment must use the same prefix and the same token
//     size ([cache.WithNBytes]).
package etcdstore
