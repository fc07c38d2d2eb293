package echomw_test

import (
	"net/http"

	"github.com/labstack/echo/v4"
	echomiddleware "github.com/labstack/echo/v4/middleware"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// keyAuthBenches returns Echo's KeyAuth checking the same credentials as
// echomw.Auth: the key from X-Fixie-Token, and a validator that reads the
// user header itself and asks the same cache. "keyauth" stops there (a
// handler then reads the user header again); "keyauth-with-set" hands the
// user on in Echo's context, as Echo code usually does; "keyauth-with-user"
// hands it on in the request context, as echomw.Auth does, so that the two
// do the same job.
func keyAuthBenches(c *cache.Cache, token string) []echoBench {
	mw := echomiddleware.KeyAuthWithConfig(echomiddleware.KeyAuthConfig{
		KeyLookup: "header:X-Fixie-Token",
		Validator: func(key string, ctx echo.Context) (bool, error) {
			return c.Verify(ctx.Request().Header.Get("X-Fixie-User"), key)
		},
	})
	withUser := echomiddleware.KeyAuthWithConfig(echomiddleware.KeyAuthConfig{
		KeyLookup: "header:X-Fixie-Token",
		Validator: func(key string, ctx echo.Context) (bool, error) {
			r := ctx.Request()
			user := r.Header.Get("X-Fixie-User")
			ok, err := c.Verify(user, key)
			if ok && err == nil {
				ctx.SetRequest(r.WithContext(middleware.ContextWithUser(r.Context(), user)))
			}
			return ok, err
		},
	})
	withSet := echomiddleware.KeyAuthWithConfig(echomiddleware.KeyAuthConfig{
		KeyLookup: "header:X-Fixie-Token",
		Validator: func(key string, ctx echo.Context) (bool, error) {
			user := ctx.Request().Header.Get("X-Fixie-User")
			ok, err := c.Verify(user, key)
			if ok && err == nil {
				ctx.Set("user", user)
			}
			return ok, err
		},
	})
	return []echoBench{
		{name: "mw=keyauth", mw: mw, token: token, wantCode: http.StatusOK},
		{name: "mw=keyauth-with-set", mw: withSet, token: token, wantCode: http.StatusOK},
		{name: "mw=keyauth-with-user", mw: withUser, token: token, wantCode: http.StatusOK},
		{name: "mw=keyauth-wrong-token", mw: mw, token: "ff", wantCode: http.StatusUnauthorized},
	}
}
