package httpapi_test

import (
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// Client is documented as a middleware.Verifier. The guard lives in a test
// so that the package itself, which servers of the credentials service
// import without the middleware, need not import middleware; every go test
// and go vet still compiles it.
var _ middleware.Verifier = (*httpapi.Client)(nil)
