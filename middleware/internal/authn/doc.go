// Package authn is the framework-neutral core shared by the net/http
// middleware in package middleware and its Echo adapter in
// middleware/echomw: the defaults, reading the credential headers, removing
// the token from the request, asking the verifier, classifying its answer,
// deciding what to do with the request (pass it on, or refuse it with which
// error, challenge and default answer), and carrying the verified user in a
// request context. Each front end keeps only its framework's glue: calling
// its skipper and hooks, and writing the answer its framework's way. The
// errors a Checker hands out are the public package's ([Sentinels]), so
// that its documentation names nothing of this package.
//
// # Hot path
//
// A request with valid credentials costs two header map look-ups, a map
// delete, the verifier's own work and one allocation ([WithUser]), which
// holds both the copied request and its context.
//
// # Example
//
//	v, err := authn.Adapt(verifier)
//	if err != nil {
//		return err
//	}
//	// The default headers and realm, and the front end's own errors.
//	chk, err := authn.New(authn.Settings{Errors: sentinels}, v)
//	if err != nil {
//		return err
//	}
//	// On each request:
//	d := chk.Decide(r, false)
//	if d.Next != nil {
//		next.ServeHTTP(w, d.Next)
//		return
//	}
//	if d.Challenge {
//		w.Header()["Www-Authenticate"] = chk.Challenge()
//	}
//	status, msg := sentinels.DefaultAnswer(d.Refusal)
package authn
