// Package httpapi is the fixie-creds HTTP service and its client: [Handler]
// serves a [*cache.Cache] over HTTP with the JSON of the Python fixie-creds
// service, and [Client] verifies users against such a service, so that many
// app servers can share one credentials service.
//
// # The service
//
// [Handler] answers POST /register, /verify, /deregister and /reset,
// relative to where it is mounted ([http.StripPrefix] mounts it under a
// prefix, echo.WrapHandler in Echo). Bodies are JSON objects of string
// fields; answers are compact JSON with sorted keys, escaped as Python's
// json.dumps escapes them, so that they match the Python service byte for
// byte:
//
//	/register   {"user","email"}  → {"status":true,"token":T}
//	                                or {"message":M,"status":false,"token":"<not-a-token>"}
//	/verify     {"user","token"}  → {"message":M,"status":S,"verified":V}
//	/deregister {"user","token"}  → {"message":M,"status":S}
//	/reset      {"user","email"}  → as /register
//
// /register and /reset also take "expires_in", a whole number of seconds
// after which the new token stops verifying (cache.ExpiresAfter), and
// /reset "keep_previous", seconds during which the replaced token keeps
// working (cache.KeepPrevious); /verify of an expired token answers
// {"message":"Token expired for user NAME","status":true,"verified":false}.
// Input is read strictly: a repeated field, a field in another case or an
// unpaired UTF-16 surrogate escape is refused (400) rather than guessed at.
// Reset hands a new token to anyone who knows a user's name and email, and
// the answers tell which users exist: serve the service where only trusted
// clients reach it.
//
// # Limits
//
// Register and reset are limited per client (by IP address; see
// [HandlerConfig.ClientKey] and [ProxyClientIP] behind a reverse proxy),
// and reset also per user name, so that one client cannot fill the disk
// with registrations nor try email after email for one user; a request
// past a limit gets 429 with Retry-After. [HandlerConfig.MaxUsers] caps the
// number of users. [Handler] uses [DefaultHandlerConfig]'s limits;
// [HandlerWithConfig] takes others. What the service cannot do (a full
// disk, an unreadable record) it logs at ERROR, with the user name and
// the cause, never a token or an email.
//
// # Audit trail
//
// [HandlerConfig.OnAudit] receives an [AuditEvent] for every
// registration, reset and deregistration that reaches its operation,
// accepted or refused by it, before the answer; if it fails, the answer
// is 500. Events hold no token or hash; the client's address is in the
// hook's context ([ClientAddr]).
//
// # The client
//
// [Client] asks a service's /verify and is a middleware.Verifier, so it
// takes the place of a [*cache.Cache] in middleware.Auth or echomw.Auth.
// It fails closed (an unreachable service or an answer it cannot read is
// an error, which the middleware answers with a 500), never follows
// redirects, and remembers accepted pairs for a short TTL under a keyed
// hash of the token's value, never the token: a token may be accepted
// for up to that TTL past its expiry.
//
// # Example
//
//	// The credentials service, on the directory's cache.
//	c, err := cache.New("")
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//	go func() {
//		log.Fatal(http.ListenAndServe("127.0.0.1:8080", http.StripPrefix("/creds", httpapi.Handler(c))))
//	}()
//
//	// An app server that asks it.
//	client, err := httpapi.NewClient("http://127.0.0.1:8080/creds", httpapi.ClientConfig{})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux := http.NewServeMux()
//	mux.Handle("GET /hello", middleware.Auth(client)(http.HandlerFunc(hello)))
//	log.Fatal(http.ListenAndServe("127.0.0.1:8081", mux))
package httpapi
