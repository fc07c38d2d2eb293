// Server is a net/http server whose /hello route only users with fixie
// credentials can reach. It also serves the fixie-creds service
// (httpapi.Handler), through which users register and get their token.
//
// Run it from the repository root:
//
//	go run ./examples/server
//
// It listens on 127.0.0.1:8080 and keeps credentials in the default
// directory ($FIXIE_CREDS_DIR, else $FIXIE_DATA_DIR/creds, else
// $XDG_DATA_HOME/fixie/creds, else ~/.local/share/fixie/creds; -h prints
// the one that applies). Then:
//
//	curl -d '{"user":"alice","email":"alice@example.org"}' localhost:8080/creds/register
//	curl -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" localhost:8080/hello
//
// Routes:
//
//	GET  /                  public: how to use the server
//	GET  /healthz           public: liveness, "ok" while the process serves
//	GET  /readyz            public: readiness, 503 while the credentials
//	                        cannot be read or their change feed has been down
//	                        for a poll interval (cache.Cache.Ready)
//	GET  /metrics           with -metrics: Prometheus metrics
//	GET  /hello             protected: greets the verified user
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
//	-metrics         serve /metrics: the cache's counters, and the
//	                 middleware's decisions by result and reason, with a
//	                 latency histogram (examples/internal/metrics)
//	-watch=false     do not watch the directory for changes; a cached record
//	                 is then re-read after at most a second
//
// The server logs to standard error with log/slog, one line per
// authentication decision and never a token. SIGINT or SIGTERM shut it down
// gracefully: it stops accepting connections, waits up to 10 seconds for
// requests in flight, closes the cache and exits 0. It exits 1 if it cannot
// start and 2 on bad flags.
//
// Changes that other processes make to the directory — examples/credsctl,
// another server, the Python service — take effect without a restart.
package main
