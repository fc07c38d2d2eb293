// Package cache is the fixie credentials engine: a credentials cache
// backed by a directory compatible with the Python fixie-creds service, or
// by any other [Store].
//
// Users register with a name and an email and receive a random hex token,
// once: only the SHA-256 hash of the token is stored, one JSON file per
// user in the credentials directory. [Cache.Verify] checks a user's token,
// [Cache.Reset] issues a new token to whoever knows the registered email,
// and [Cache.Deregister] removes a user who presents the token.
//
// # The credentials directory
//
// New("") uses [DefaultCredsDir]: $FIXIE_CREDS_DIR, else
// $FIXIE_DATA_DIR/creds, else $XDG_DATA_HOME/fixie/creds, else
// ~/.local/share/fixie/creds, created with mode 0700. Each user has a file
// "<user>.json", mode 0600, holding exactly
//
//	{"email":"a@b.org","hashed_token":"eb28…c886","user":"alice"}
//
// as the Python service writes it, so that both can share a directory. A
// token is a hex number; its hash is the SHA-256 of its value written as
// nbytes (default 20) little-endian bytes. Every process sharing a
// directory must use the same nbytes.
//
// Names starting with '.' are never users. The package's own temporary
// and lock files start with ".fixiecreds-"; other dot names, such as a
// Kubernetes Secret volume's "..data", belong to whoever made them. A new
// name (Register, WriteUser) must also be unchanged by the PRECIS
// UsernameCasePreserved profile of RFC 8265: no spaces, no invisible or
// look-alike forms; it may not mix scripts beyond Unicode TR39's "Highly
// Restrictive" level, and Register refuses one whose TR39 confusable
// skeleton is a registered user's ("аlice", "ɑlice" beside "alice").
// Records already stored under other names keep working. A name refused
// is a [*NameError] saying why.
//
// # Caching and change
//
// Records are read on first use and kept in memory, so that verifying a
// known user costs a hash and a map lookup: no allocation and no system
// call. The cache watches the directory (with fsnotify) and drops an entry
// when its file changes, whoever changed it: another process, an admin
// tool, the Python service, a Kubernetes Secret update. Where change
// notifications cannot be relied on (a file system not known to be local,
// such as NFS; watch limits reached; on macOS and the BSDs, a directory
// of more than 1,024 files; [WithWatch](false)), and for a record with
// another name through which it could change unseen (a symbolic or hard
// link), a cached entry is trusted for at most the poll interval
// ([WithPollInterval], default 1 s) before it is read again. While
// watching, the cache also stats each cached record, at most once per
// poll interval and off the path of Verify, to see one rewritten through
// a link made later.
//
// # Tokens that end
//
// [ExpiresAfter] makes a token stop verifying a while after Register or
// Reset issues it; [KeepPrevious] lets the token a Reset replaces work on
// for a grace, so that clients sharing a token can move to the new one
// with no moment in which neither works. Verify of either past its time
// is (false, an error wrapping [ErrTokenExpired]). Such a record adds
// keys to the Python format, which the Python service refuses (it fails
// closed):
//
//	{"email":"ci@example.org","expires":"2026-04-30T09:00:00Z","hashed_token":"…",
//	 "previous_expires":"2026-04-01T09:00:00Z","previous_hashed_token":"…","user":"ci"}
//
// (one line on disk). Times are RFC 3339, UTC, truncated to the second;
// a token verifies while the time is before its expiry. A record with
// neither key is the Python format byte for byte, and a plain Reset
// writes one again. Builds of this package from before these keys
// ignore them, as they ignore any unknown key: on such a build an
// expiring token never expires and a kept token is refused. Run only
// builds that know them on a directory or etcd prefix that holds
// expiring tokens.
//
// Expiry is checked on every Verify, with the clock reading that tells
// whether a cached entry may be trusted: no allocation, no system call.
// A cached entry holds its expiries on the monotonic clock, placed there
// by their distance from the wall clock when the record was read. A step
// of the wall clock after that (an operator setting it, NTP stepping
// rather than slewing it) moves no cached expiry: a step forward by S
// lets a cached token verify up to S past its "expires", a step back
// ends it up to S early, until the record is read again (after a
// change to it, an eviction, a pause that outlasts the trust window,
// or, without a change feed, the poll interval). Slewing, NTP's usual
// correction, moves both clocks alike. Another process, or a record read
// after the step, follows the wall clock.
//
// # Stores and outages
//
// [New] keeps records in a directory; [Open] keeps them in any [Store],
// such as the etcd store of package cache/etcdstore, which lets many
// servers share one set of users. A store reports changes through a feed
// ([Store.Watch]); while the feed reports, cached records are trusted
// until a change drops them, and otherwise for the poll interval. When a
// record is due to be read again and the store cannot be read, Verify
// fails (the middleware answers 500) rather than answer from data older
// than the poll interval; [WithOutageGrace] trades that for availability.
// Package cache/storetest checks a Store against the contract.
//
// # Concurrency
//
// A *Cache is safe for concurrent use, and any number of Caches, in any
// number of processes, may share a store: Register creates a record only
// if none exists, in one atomic step; Reset and Deregister are a
// read-check-write that compares and swaps, so that a Deregister racing a
// Reset never removes the record the Reset wrote; readers never see a
// partly written record. In a directory, Reset, Deregister, WriteUser and
// RemoveUser hold the directory's lock (flock on Unix, LockFileEx on
// Windows).
//
// # Python API
//
// Beside Register, Verify, Reset, Deregister and RemoveUser, the Python
// class's helpers keep their names, for code ported from it:
// [Cache.GetUser] and [Cache.LoadUser] (one call here), [Cache.UserExists],
// [Cache.WriteUser], [Cache.HashToken], [Cache.UserCredFile], and
// [WithSeed] for the class's seed.
//
// # Testing
//
// [WithSeed] and [WithRand] make tokens predictable, so that a test can
// know the token a Cache issues. They are for tests only: never use them
// in a server.
//
// # Security
//
// Tokens come from crypto/rand. They are never stored, logged or put in an
// error. Hashes and emails are compared in constant time, and Verify
// hashes the presented token whether or not the user exists. No user name
// can lead outside the credentials directory, and neither can a symbolic
// link in it.
package cache
