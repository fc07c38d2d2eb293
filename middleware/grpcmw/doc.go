// Package grpcmw protects gRPC services with fixie credentials; it is a
// module of its own, so that applications without gRPC never download it.
//
// [UnaryServerInterceptor] and [StreamServerInterceptor] decide every call
// with a middleware.Checker, on the metadata keys x-fixie-user and
// x-fixie-token, one value each:
//
//   - accepted: the handler runs with the user in its context
//     (middleware.UserFromContext) and no token in its incoming metadata;
//   - refused (missing or invalid credentials, a repeated key, a look-alike
//     key such as x_fixie_user): codes.Unauthenticated, with a message that
//     tells neither the token nor whether the user exists;
//   - verification could not complete: codes.Unavailable, or the call's own
//     codes.Canceled or codes.DeadlineExceeded if its context ended first.
//
// [WithSkip] lets chosen methods through (health checks); [WithOnOutcome]
// reports each decision. Clients send [Credentials] (TLS only) or
// [InsecureCredentials]. See README.md in the middleware directory.
package grpcmw
