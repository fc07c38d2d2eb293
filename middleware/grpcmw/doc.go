// Package grpcmw protects gRPC services with fixie credentials. It is a
// module of its own, so that applications without gRPC never download it.
//
// # Servers
//
// [UnaryServerInterceptor] and [StreamServerInterceptor] decide every call
// with a middleware.Checker, as the net/http and Echo middleware decide
// every request. The credentials travel in the metadata keys x-fixie-user
// and x-fixie-token, one value each:
//
//   - accepted: the handler runs with the user in its context, where
//     middleware.UserFromContext finds it, and the token is gone from its
//     incoming metadata;
//   - refused (missing, empty, unknown, wrong or malformed credentials, an
//     unusable name, a key sent more than once, or a key that reads as a
//     credential key when '_' is read as '-', such as x_fixie_user): the
//     call ends with codes.Unauthenticated and a message that says only
//     whether credentials were missing or invalid, never the token nor
//     whether the user exists;
//   - verification could not complete: codes.Unavailable; a call whose
//     context ended first gets its own codes.Canceled or
//     codes.DeadlineExceeded.
//
// [WithSkip] lets chosen methods through unchecked (health checks,
// reflection); their metadata loses the token and the look-alike keys too.
// [WithOnOutcome] reports every decision, without the token, for logs and
// metrics.
//
// # Clients
//
// [Credentials] sends a user and token with every call of a connection
// (grpc.WithPerRPCCredentials) or of one call (grpc.PerRPCCredentials); it
// sends them only over TLS. [InsecureCredentials] sends them over any
// connection, for loopback and tests.
//
// # Example
//
//	c, err := cache.New("") // $FIXIE_CREDS_DIR, or the default directory
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//
//	isPublic := func(_ context.Context, method string) bool {
//		return strings.HasPrefix(method, "/grpc.health.v1.Health/")
//	}
//	srv := grpc.NewServer(
//		grpc.Creds(tlsCreds),
//		grpc.ChainUnaryInterceptor(grpcmw.UnaryServerInterceptor(c, grpcmw.WithSkip(isPublic))),
//		grpc.ChainStreamInterceptor(grpcmw.StreamServerInterceptor(c, grpcmw.WithSkip(isPublic))),
//	)
//
// and in a method:
//
//	user, _ := middleware.UserFromContext(ctx)
//
// A client:
//
//	conn, err := grpc.NewClient(addr,
//		grpc.WithTransportCredentials(credentials.NewTLS(tlsConfig)),
//		grpc.WithPerRPCCredentials(grpcmw.Credentials("alice", token)),
//	)
package grpcmw
