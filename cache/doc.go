// Package cache is the fixie credentials engine: a credentials cache
// backed by a directory compatible with the Python fixie-creds service, or
// by any other [Store].
//
// Users register with a name and an email and receive a random hex token,
// once: only the SHA-256 hash of the token is stored. [Cache.Verify]
// checks a user's token, [Cache.Reset] issues a new token to whoever
// knows the registered email, and [Cache.Deregister] removes a user who
// presents the token.
//
// # The credentials directory
//
// New("") uses [DefaultCredsDir], created with mode 0700. Each user has a
// file "<user>.json", mode 0600, holding exactly
//
//	{"email":"a@b.org","hashed_token":"eb28…c886","user":"alice"}
//
// as the Python service writes it, so that both can share a directory. A
// token's hash is the SHA-256 of its value written as nbytes (default 20)
// little-endian bytes: every process sharing a directory must use the
// same nbytes ([WithNBytes]). Names starting with '.' are never users; the
// package's own files start with ".fixiecreds-", and other dot names
// (a Kubernetes Secret volume's "..data") belong to whoever made them.
//
// A new name (Register, WriteUser) must be unchanged by the PRECIS
// UsernameCasePreserved profile of RFC 8265, may not mix scripts beyond
// Unicode TR39's "Highly Restrictive" level, and may not be confusable
// with a registered user's ("аlice" beside "alice"); a refused name is a
// [*NameError] saying why. Records stored under other names keep working.
//
// # Caching and change
//
// Records are read on first use and kept in memory, so that verifying a
// known user costs a hash and a map lookup: no allocation and no system
// call. The cache watches the store and drops an entry when its record
// changes, whoever changed it: another process, an admin tool, the Python
// service, a Kubernetes Secret update. Where changes cannot be watched
// reliably (a network file system, watch limits, on macOS and the BSDs a
// directory of more than 1,024 files, [WithWatch](false), a record
// reached through a link), an entry is trusted for at most the
// poll interval ([WithPollInterval], default 1 s). When a record is due to
// be read again and the store cannot be read, Verify fails (the
// middleware answers 500) rather than answer from stale data;
// [WithOutageGrace] trades that for availability. README.md in this
// directory tells how watching works and where it stops.
//
// [New] keeps records in a directory; [Open] keeps them in any [Store],
// such as cache/etcdstore's, which lets many servers share one set of
// users. Package cache/storetest checks a Store against the contract.
//
// # Tokens that end
//
// [ExpiresAfter] makes a token stop verifying a while after Register or
// Reset issues it; [KeepPrevious] lets the token a Reset replaces work on
// for a grace, so that clients sharing a token move to the new one with
// no moment in which neither works. Verify of either past its time is
// (false, an error wrapping [ErrTokenExpired]). Such a record adds keys
// to the Python format, which the Python service refuses (it fails
// closed), and which builds of this package from before them ignore: run
// only builds that know them on a store that holds such tokens. A cached
// expiry follows the monotonic clock: a step of the wall clock moves it
// only once the record is read again. See README.md in this directory.
//
// # Concurrency
//
// A *Cache is safe for concurrent use, and any number of Caches, in any
// number of processes, may share a store: Register creates a record only
// if none exists, in one atomic step; Reset and Deregister compare and
// swap, so that a Deregister racing a Reset never removes the record the
// Reset wrote; readers never see a partly written record. In a
// directory, Reset, Deregister, WriteUser and RemoveUser hold the
// directory's lock (flock on Unix, LockFileEx on Windows).
//
// # Python API
//
// Beside Register, Verify, Reset, Deregister and RemoveUser, the Python
// class's helpers keep their names, for code ported from it:
// [Cache.GetUser] and [Cache.LoadUser] (one call here), [Cache.UserExists],
// [Cache.WriteUser], [Cache.HashToken], [Cache.UserCredFile], and
// [WithSeed] for the class's seed. [WithSeed] and [WithRand] make tokens
// predictable: for tests only, never in a server.
//
// # Security
//
// Tokens come from crypto/rand. They are never stored, logged or put in an
// error. Hashes and emails are compared in constant time, and Verify
// hashes the presented token whether or not the user exists. No user name
// can lead outside the credentials directory, and neither can a symbolic
// link in it.
package cache
