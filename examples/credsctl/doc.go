// Credsctl administers a fixie credentials directory: the one that the
// example servers, any server built on package cache, and the Python
// fixie-creds service read; or, with -etcd, the records that servers on
// etcd share (examples/etcdserver, package cache/etcdstore). Running
// servers see its changes without a restart, through their cache's change
// watching.
//
// Run it from the repository root:
//
//	go run ./examples/credsctl register alice alice@example.org
//
// or build it once with go build ./examples/credsctl.
//
// # Usage
//
//	credsctl [-dir DIR | -etcd HOST:PORT,... [-etcd-prefix PREFIX]] [-audit-log FILE] COMMAND [ARGS]
//
//	register [-expires D] USER EMAIL
//	                            register USER; print the new token on stdout
//	verify [-token TOKEN] USER  check USER's token, read from stdin unless -token
//	reset [-expires D] [-keep-previous D] USER EMAIL
//	                            issue USER a new token if EMAIL is the registered
//	                            one; print it on stdout; the old token stops working
//	deregister USER             remove USER's record without their token: an admin
//	                            removal (cache.RemoveUser)
//	list                        print the registered users, one per line, with
//	                            their expiries after a tab
//	show USER                   print USER's record: email, the stored hash and
//	                            the expiries
//	import DIR                  copy every record of the directory DIR here
//	export DIR                  copy every record from here into DIR
//
// -dir names the credentials directory; without it credsctl uses the
// default of cache.New(""): $FIXIE_CREDS_DIR, else $FIXIE_DATA_DIR/creds,
// else $XDG_DATA_HOME/fixie/creds, else ~/.local/share/fixie/creds.
// credsctl help prints the directory that gives now. Flags may come
// before or after the command and its arguments; -- ends them.
//
// Only register and import create a directory, mode 0700, and only the
// default one, on first use. A -dir must name a directory that exists:
// a typo would otherwise leave records where no server reads them. On a
// directory that does not exist, every other command creates nothing and
// says so, naming the directory and where it came from.
//
// A mistake on the command line prints its message and a one-line hint,
// not the whole usage; -h and help print that.
//
// # On etcd
//
// -etcd host:port,... works on the records in etcd instead, under the key
// prefix -etcd-prefix (default /fixiecreds/users/): the same commands, on
// the same records as the servers of that deployment. show then prints
// the record's etcd key where a directory's record has a file. -dir and
// -etcd exclude each other. credsctl makes a plain client; for TLS or
// etcd authentication, give the client those settings in
// examples/internal/etcdconn.
//
// # Moving records between a directory and etcd
//
//	credsctl -etcd 10.0.0.5:2379 import /var/lib/fixie/creds   # into etcd
//	credsctl -etcd 10.0.0.5:2379 export ./backup               # back out
//
// import copies every record of a directory into the records credsctl
// works on, export the other way; DIR is the other end, so -dir, -etcd
// and -etcd-prefix keep their meaning in every command (import and export
// work between two directories too). Records are copied byte for byte, so
// a directory exported from etcd is one the Python service reads. A
// record is created only where there is none: one the destination holds
// already is left as it is, counted as identical if its bytes are the
// same, and refused otherwise. A record that is not a valid record of its
// user (not JSON, another "user", a "hashed_token" that is not 64 hex
// digits) is refused too, and so is one whose name or email holds a
// control, invisible or bidi-control character. import reads a directory
// that anyone may have written: a "<user>.json" that is a symbolic link,
// a named pipe or anything but a regular file, that has a name the cache
// cannot use, or that cannot be read (larger than a record can be) is
// refused, and the copy goes on. Each copy prints its user on stdout,
// each refusal its reason on stderr, then the exact count copied, even
// after a failure that stops the copy; the exit status is 1 if any
// record was refused. Running it again copies only what is missing.
// import never creates DIR; export creates it, mode 0700.
//
// # Output
//
// No output carries a control, invisible or bidi-control character raw:
// a name, email or path holding one is printed quoted, with Go's escapes
// (list prints "al\u202eice"), and anything else is escaped as it is
// written. Printable characters of every script are printed as they are.
//
// # Tokens
//
// register and reset print the token alone on standard output, and the
// explanation on standard error, so that scripts can capture it:
//
//	TOKEN=$(credsctl register alice alice@example.org)
//
// The token is not kept anywhere and cannot be shown again: only its
// SHA-256 hash is stored, and show prints that hash labelled as such.
// Prefer piping a token to verify over -token, which other users of the
// machine can see in the process list.
//
// # Tokens that end
//
// register -expires 720h issues a token that stops working 30 days later
// (cache.ExpiresAfter); reset -expires does the same for the new token.
// reset -keep-previous 24h keeps the token it replaces working for a day
// more (cache.KeepPrevious), so that servers or CI jobs sharing it can
// move to the new one without a moment in which neither works; a plain
// reset ends every older token at once. Durations are Go's (90s, 24h,
// 720h), at least a second. list prints, after a tab, "expires TIME"
// (or "expired TIME") and "previous token until TIME" for the users that
// have them; show prints the record's expires, previous_hashed_token and
// previous_expires. verify tells an expired token from a wrong one.
//
// # Audit log
//
// -audit-log FILE appends one JSON line per register, reset and
// deregister (an admin removal, operation "remove") to FILE, created with
// mode 0600: accepted or refused (already registered, email mismatch, not
// registered, unusable name or email), with the time, the operation, the
// user, the outcome and the new expiries; never a token or a hash. The
// example servers' -audit-log writes the same lines for the service. If
// the line cannot be written, the command fails (exit status 3) and
// prints no token, even though the change was made.
//
// # Exit status
//
//	0  done
//	1  refused: token refused, user not registered, already registered,
//	   email does not match, a record not copied
//	2  usage: bad command line, unusable user name or email
//	3  failure: the directory does not exist, etcd cannot be reached, a
//	   record could not be read or written, or the audit log could not be
//	   written
package main
