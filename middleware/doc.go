// Package middleware protects net/http routes with fixie credentials.
//
// [Auth] and [AuthWithConfig] return func(http.Handler) http.Handler
// middleware, for an [http.ServeMux] route, chi, gorilla/mux or alice. It
// reads the X-Fixie-User and X-Fixie-Token headers (or, with
// [Config.BasicAuth], "Authorization: Basic" with the token as password),
// asks a [Verifier] (a [*cache.Cache], or an httpapi.Client asking a shared
// credentials service), and either runs the next handler with the user in
// the request context ([UserFromContext]) or answers itself: 401, a
// WWW-Authenticate: Fixie challenge and {"message":"Unauthorized"} whatever
// the reason, so that clients cannot tell which users exist; or 500 when
// verification could not complete. The token header never reaches the next
// handler; a repeated or look-alike (X_Fixie_User) credential header is refused.
//
// A [Checker] is the decision itself; [Auth], [ForwardAuth], package
// middleware/echomw and module middleware/grpcmw are doors over it. See
// README.md in this directory for every door and its configuration.
//
// # Example
//
//	c, err := cache.New("") // $FIXIE_CREDS_DIR, or the default directory
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//	mux := http.NewServeMux()
//	mux.Handle("GET /private", middleware.Auth(c)(private)) // private reads UserFromContext
//	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
package middleware
