// Credsctl administers a fixie credentials directory: the one that the
// example servers, any server built on package cache, and the Python
// fixie-creds service read. Running servers see its changes without a
// restart, through their cache's change watching.
//
// Run it from the repository root:
//
//	go run ./examples/credsctl register alice alice@example.org
//
// or build it once with go build ./examples/credsctl.
//
// # Usage
//
//	credsctl [-dir DIR] COMMAND [ARGS]
//
//	register USER EMAIL         register USER; print the new token on stdout
//	verify [-token TOKEN] USER  check USER's token, read from stdin unless -token
//	reset USER EMAIL            issue USER a new token if EMAIL is the registered
//	                            one; print it on stdout; the old token stops working
//	deregister USER             remove USER's record without their token: an admin
//	                            removal (cache.RemoveUser)
//	list                        print the registered users, one per line
//	show USER                   print USER's record: email and the stored hash
//
// -dir names the credentials directory; without it credsctl uses the
// default of cache.New(""): $FIXIE_CREDS_DIR, else $FIXIE_DATA_DIR/creds,
// else $XDG_DATA_HOME/fixie/creds, else ~/.local/share/fixie/creds.
// credsctl help prints the directory that gives now. Flags may come
// before or after the command and its arguments; -- ends them.
//
// list, show and verify only read: on a directory that does not exist
// (a typo in -dir, say) they create nothing and say that it does not
// exist, naming it and where it came from. register, reset and deregister
// create it, mode 0700.
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
// # Exit status
//
//	0  done
//	1  refused: token refused, user not registered, already registered,
//	   email does not match
//	2  usage: bad command line, unusable user name or email
//	3  failure: the directory does not exist (list, show, verify), or it or
//	   a record could not be read or written
package main
