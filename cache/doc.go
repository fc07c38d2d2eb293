// Package cache is the fixie credentials engine: a credentials cache
// backed by a directory, compatible with the Python fixie-creds service.
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
// Kubernetes Secret volume's "..data", belong to whoever made them.
//
// # Caching and change
//
// Records are read on first use and kept in memory, so that verifying a
// known user costs a hash and a map lookup: no allocation and no system
// call. The cache watches the directory (with fsnotify) and drops an entry
// when its file changes, whoever changed it: another process, an admin
// tool, the Python service, a Kubernetes Secret update. Where change
// notifications do not work (file systems not known to be local, such as
// NFS or SMB; exhausted inotify limits; [WithWatch](false)), and for a
// record that has another name through which it could change unseen (a
// symbolic link, a second hard link), a cached entry is trusted for at
// most the poll interval ([WithPollInterval], default 1 s) before it is
// checked against its file again.
//
// # Concurrency
//
// A *Cache is safe for concurrent use, and any number of Caches, in any
// number of processes, may share a directory: Register creates a record
// only if none exists, in one atomic step; Reset, Deregister, WriteUser and
// RemoveUser hold the directory's lock (flock, so Unix only) for their
// read-check-write; readers never see a partly written record.
//
// # Security
//
// Tokens come from crypto/rand. They are never stored, logged or put in an
// error. Hashes and emails are compared in constant time, and Verify
// hashes the presented token whether or not the user exists. No user name
// can lead outside the credentials directory, and neither can a symbolic
// link in it.
package cache
