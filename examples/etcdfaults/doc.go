// Etcdfaults puts app servers on etcd through the faults a cluster meets
// in production, under load, and checks that no answer is wrong, that
// every server serves again once etcd does, and that none of them keeps
// more goroutines or descriptors than before. It prints what clients saw
// and how long each server took to recover, and exits 1 if anything was
// wrong. CI runs it once:
//
//	go run ./examples/etcdfaults
//
// It builds etcd v3.7.3 (examples/internal/etcdmember, etcd's own main)
// and examples/etcdserver, and starts three etcd members and three
// servers as separate processes on free loopback ports, with their logs
// and data in a temporary directory, removed at the end (-keep keeps
// it). Every process it starts is killed when it ends, however it ends;
// on Linux the kernel kills them too if it dies. It takes about a
// minute and needs a Unix system.
//
// # The load
//
// 200 users, each registered and reset once; then verifies at 300 a
// second spread over the servers, 30 % of them with a revoked token;
// 4 resets a second, each through a random server, and as soon as one is
// acknowledged its revoked token sent to every server; and /healthz on
// each server ten times a second.
//
// # The faults
//
// Each in turn, after 3 s of steady load, each held for -hold (2 s):
//
//   - leader killed: the leader is killed (SIGKILL), started again after
//     the hold;
//   - follower frozen, leader frozen: the member is stopped (SIGSTOP) for
//     the hold, then continued (SIGCONT);
//   - quorum lost: the leader and a follower are killed, started again;
//   - full stop: every member is stopped (SIGTERM, the leader first), one
//     server is restarted meanwhile, and the members start again after
//     twice the hold;
//   - app paused, members restarted; app paused, history compacted: the
//     first server is stopped (SIGSTOP) with 10 users' tokens cached
//     and two connections per user open; the users are reset through the
//     other servers; every member is killed and started again in turn,
//     or 4 MiB of changes are written under the prefix (more than the
//     stopped server's watch can buffer) and etcd's history is compacted
//     up to them; then each user's old and new tokens are sent on those
//     connections, where they wait, and the server is continued.
//
// # What is judged
//
// Every answer to a verify is judged against what the run knew when it
// sent the request. Wrong is a 200 for a token whose reset had been
// acknowledged before the request was sent, or a 401 for a token that
// was current when it was sent, with no reset begun before the answer. A
// 500 is not wrong: the server could not decide and let nothing through.
// A server learns of a reset made through another from etcd's watch,
// milliseconds later, and may answer from its cache within the trust
// window (100 ms, cache.WithTrustWindow) of its last proof that it had
// caught up: a 200 for the old token, or a 401 for the new one, sent
// less than that after the acknowledgement is counted apart ("in
// window"), not as wrong. Requests presenting a
// token whose reset is in flight, or of unknown outcome, are counted as
// changing.
//
// After each fault, recovery is the time from the repair (the member
// started again, SIGCONT) until each server answers a correct 200 to a
// request sent after it; a server that does not within 30 s fails the
// run. Then the load stops, the connections close, and each server's
// goroutines and open descriptors (go_goroutines and process_open_fds on
// its /metrics) must come back within -goroutine-slack and -fd-slack of
// their count after the steady load. A server that keeps more is made
// to dump its goroutines at the end (SIGQUIT), summed up in the report.
// No server's log may hold a token.
//
// # Flags
//
//	-users n             users the load acts as (200)
//	-rate r              verifies per second, over all servers (300)
//	-revoked f           share of them with a revoked token (0.3)
//	-resets r            resets per second (4)
//	-hold d              how long each fault lasts (2s)
//	-pause-users n       users reset while a server is stopped (10)
//	-goroutine-slack n   goroutines a server may gain (12)
//	-fd-slack n          descriptors a server may gain (10)
//	-timeout d           bound on the whole run, builds included (4m)
//	-keep                keep the logs and data, and say where
//
// It exits 0 if all went right, 1 if anything was wrong or the run could
// not be carried out, 2 on bad flags.
package main
