// Server is a net/http server whose /hello route only users with fixie
// credentials can reach. It also serves the fixie-creds service
// (httpapi.Handler), through which users register and get their token.
//
// Run it from the repository root:
//
//	go run ./examples/server
//
// It listens on 127.0.0.1:8080 (-addr host:port to change it) and keeps
// credentials in the default directory ($FIXIE_CREDS_DIR, else
// $FIXIE_DATA_DIR/creds, else $XDG_DATA_HOME/fixie/creds, else
// ~/.local/share/fixie/creds; -h prints the one that applies). Then:
//
//	curl -d '{"user":"alice","email":"alice@example.org"}' localhost:8080/creds/register
//	curl -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" localhost:8080/hello
//
// Routes:
//
//	GET  /                  public: how to use the server
//	GET  /healthz           public: liveness, "ok" while the process serves
//	GET  /readyz            public: readiness, "ready", or "not ready" (503)
//	                        while the credentials cannot be read or their
//	                        change feed has been down for a poll interval
//	                        (cache.Cache.Ready); the reason goes to the log
//	GET  /hello             protected: greets the verified user
//	*    /forward-auth      for a reverse proxy in front (nginx auth_request,
//	                        Caddy forward_auth): 200 with X-Fixie-User set to
//	                        the verified user, or /hello's 401 or 500; see
//	                        middleware/README.md
//	POST /creds/register    {"user","email"} → {"status":true,"token":…}
//	POST /creds/verify      {"user","token"}
//	POST /creds/deregister  {"user","token"}
//	POST /creds/reset       {"user","email"} → a new token; the old one stops working
//
// Flags:
//
//	-addr host:port  where to listen (default 127.0.0.1:8080); port 0 picks a
//	                 free port, and the "listening" log line says which
//	-dir directory   credentials directory (default as above); a new or
//	                 empty one is named in a warning at start, since every
//	                 request to /hello then gets 401
//	-metrics-addr host:port
//	                 serve GET /metrics on this address only, which should
//	                 be reachable by the operator alone: the cache's
//	                 counters, the middleware's decisions by result and
//	                 reason with a latency histogram, the service's
//	                 requests by outcome, 429s by limit, and the users
//	                 registered (examples/internal/metrics); default none
//	-watch=false     do not watch the directory for changes; a cached record
//	                 is then re-read after at most a second
//	-log-level L     DEBUG also logs every accepted request (default INFO)
//
// Connections (every default closes a stalled connection within two
// minutes):
//
//	-read-header-timeout D  headers must arrive within D (default 10s)
//	-read-timeout D         the whole request, body included (default 30s)
//	-write-timeout D        the answer must be written within D (default 30s)
//	-idle-timeout D         a keep-alive connection may idle D (default 1m)
//	-max-conns N            connections open at once (default 1024, or half
//	                        what a low limit on open files leaves); at the cap
//	                        the longest idle one is closed to make room, else
//	                        the one sending its request the longest, after 1s
//	-shutdown-timeout D     how long a shutdown waits for requests (default 10s)
//
// The service's limits (see httpapi.HandlerConfig; N/PERIOD or off):
//
//	-register-limit 10/10m    registrations per client
//	-reset-limit 10/10m       resets per client
//	-reset-user-limit 5/1h    resets per user, whoever asks
//	-max-users 100000         registrations close at this many users (0: no cap)
//	-proxy-header H -trusted-proxies CIDRs
//	                          behind reverse proxies, tell clients apart by
//	                          the address the proxies put in header H
//
// The server logs to standard error with log/slog, never a token: each
// refusal at INFO and each failed verification at ERROR, with the user
// name cut to 64 bytes and escaped, at most a few lines a client and 20 a
// second in all, the rest summed up every 10 seconds; each accepted
// request at DEBUG. SIGINT or SIGTERM shut it down gracefully: it stops
// accepting connections, waits up to -shutdown-timeout for requests in
// flight, cuts off those still running (and says so), closes the cache
// and exits 0; a second signal ends it at once. It exits 1 if it cannot
// start and 2 on bad flags.
//
// Changes that other processes make to the directory — examples/credsctl,
// another server, the Python service — take effect without a restart.
package main
