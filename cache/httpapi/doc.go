// Package httpapi is the fixie-creds HTTP service and its client: [Handler]
// serves a [*cache.Cache] over HTTP with the JSON of the Python fixie-creds
// service, byte for byte, and [Client] verifies users against such a
// service, so that many app servers can share one credentials service.
//
// The service answers POST /register, /verify, /deregister and /reset,
// relative to where it is mounted. It reads input strictly: a repeated
// field, a field in another case or an unpaired UTF-16 surrogate escape
// is refused (400) rather than guessed at. Reset hands a new token to
// anyone who knows a user's name and email, and the answers tell which
// users exist: serve the service where only trusted clients reach it.
// The wire protocol is in README.md in this directory.
//
// Register and reset are limited per client (by IP address; behind a
// reverse proxy see [ProxyClientIP]) and reset also per user name, with
// 429 and Retry-After past a limit; [HandlerConfig.MaxUsers] caps the
// number of users. [HandlerConfig.OnAudit] receives an [AuditEvent] for
// every registration, reset and deregistration, before the answer.
//
// [Client] asks a service's /verify and is a middleware.Verifier, in the
// place of a [*cache.Cache] in middleware.Auth or echomw.Auth. It fails
// closed (an unreachable service or an answer it cannot read is an error,
// which the middleware answers with a 500), never follows redirects, and
// remembers accepted pairs for a short TTL, under a keyed hash of the
// token: a token may be accepted for up to that TTL past its expiry.
package httpapi
