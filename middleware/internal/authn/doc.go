// Package authn is the framework-neutral core shared by the net/http
// middleware in package middleware and its Echo adapter in
// middleware/echomw: reading the credential headers, removing the token from
// the request, asking the verifier, classifying its answer, and carrying the
// verified user in a request context.
//
// # Hot path
//
// A request with valid credentials costs two header map look-ups, a map
// delete, the verifier's own work and one allocation ([WithUser]), which
// holds both the copied request and its context.
//
// # Example
//
//	chk, err := authn.New(authn.Settings{UserHeader: "X-Fixie-User", TokenHeader: "X-Fixie-Token"}, verify)
//	if err != nil {
//		return err
//	}
//	v := chk.Check(r.Context(), r.Header)
//	if v.Result == authn.Accepted {
//		next.ServeHTTP(w, authn.WithUser(r, v.User))
//	}
package authn
