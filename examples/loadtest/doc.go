// Loadtest acts as many clients of an example server at once and proves
// that authentication holds under load while credentials change: a revoked
// token is never accepted, a valid one never refused, and no request gets
// a 5xx. It also measures what the protection costs.
//
// Run it from the repository root; this builds examples/server, starts it
// on 127.0.0.1 with a new credentials directory, runs the test and stops
// the server:
//
//	go run ./examples/loadtest -start
//
// or against the Echo example, or a server already running:
//
//	go run ./examples/loadtest -start -framework echo
//	go run ./examples/loadtest -url http://127.0.0.1:8080 -dir ~/.local/share/fixie/creds
//
// The load test is one client that registers and resets users far faster
// than the service lets one client do: -start runs the server with
// -register-limit off -reset-limit off -reset-user-limit off, and a server
// given with -url needs the same flags.
//
// # What it does
//
// It registers -users users through the service at /creds/ and resets each
// once, so that every user has a valid token and a revoked one. Then two
// phases of -duration each, with -clients clients sending requests back to
// back as random users, while -churn changes per second run: resets,
// deregistrations and registrations through the service and, with a
// directory, records rewritten on disk by this process, another than the
// server's (a temporary file "<user>.json.edit~…" renamed over
// "<user>.json", as an admin tool or the Python service would):
//
//  1. GET /healthz, public, a handler doing no more work than /hello's:
//     the baseline.
//  2. GET /hello, protected. Nine requests in ten present the user's valid
//     token, one a revoked one.
//
// A warm-up on /hello without churn, a tenth of -duration and at most a
// second, comes first: judged, not measured, it opens every connection and
// fills the server's cache, so that phase 1 does not pay for them.
//
// Both phases send the same headers under the same churn, so they differ
// only by the protection and the handler. The ratio of their throughputs
// is what the protection costs; the goal is 0.85 or more. It is reported,
// and required only with -min-ratio.
//
// # What is judged
//
// An answer is judged once the last change to its user has settled: -settle
// (default 250ms) after the change completed, that is after the service
// answered or the rename returned. A request that overlaps a change in
// progress or settling is counted as unsettled and not judged. A judged
// request must get 200 and the user's greeting with the valid token, 401
// and a Fixie challenge with a revoked one. Any 5xx and any transport
// error is wrong, settled or not, as is a change the service refuses. With
// -start it also reads the server's log and counts any line holding a
// token. The program exits 1 on any wrong answer, 0 otherwise. With -url
// it first deregisters its users, interrupted or not, so that a shared
// directory is left as it was; with -start it stops the server with
// SIGTERM, requires it to exit 0, and removes its directory.
//
// # Output
//
// Requests per second and latency percentiles (p50, p90, p99, max) of each
// phase, their ratio, the counts of judged and unsettled requests, of the
// changes made, and of each kind of wrong answer: accepted-revoked,
// refused-valid, 5xx, transport errors, other, failed changes, tokens in
// the server's log. Tokens are never printed.
//
// On Linux each phase also shows the CPU time per request of the server
// (srv-cpu, with -start only) and of the load test (lt-cpu). Client and
// server share the machine, so the throughput ratio moves with whatever
// else runs there; the CPU times barely do, and tell what the protection
// costs the server itself.
//
// # Flags
//
//	-url URL          base URL of a running server (loopback only)
//	-dir DIR          its credentials directory, for edits on disk
//	-start            build and start examples/server (or -framework echo);
//	                  -start=PKG_OR_BINARY starts that instead
//	-framework NAME   server or echo (default server)
//	-clients N        concurrent clients per phase (default 32)
//	-users N          users (default 200)
//	-duration D       length of each phase (default 10s)
//	-churn R          changes per second in the protected phase (default 20)
//	-settle D         time for a change to take effect (default 250ms); raise
//	                  it past the poll interval for a server run with -watch=false
//	-min-ratio F      fail below this throughput ratio (default 0: report only)
package main
