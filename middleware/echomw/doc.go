// Package echomw protects Echo v4 routes with fixie credentials. It adapts
// the net/http middleware of package middleware to Echo's conventions, so
// that applications that do not use Echo never import it.
//
// [Auth] and [AuthWithConfig] return an echo.MiddlewareFunc for e.Use, a
// group or a single route. A verified user is available both from [User]
// and from middleware.UserFromContext on the request's context. Refusals are
// returned as *echo.HTTPError values (401 with a WWW-Authenticate: Fixie
// challenge, or 500 when verification could not complete), which Echo's
// error handler turns into {"message":…} answers.
//
// # Example
//
//	c, err := cache.New("")
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//
//	e := echo.New()
//	e.Any("/creds/*", echo.WrapHandler(http.StripPrefix("/creds", httpapi.Handler(c))))
//	api := e.Group("/api", echomw.Auth(c))
//	api.GET("/hello", func(c echo.Context) error {
//		user, _ := echomw.User(c)
//		return c.String(http.StatusOK, "hello, "+user)
//	})
//	e.Logger.Fatal(e.Start("127.0.0.1:8080"))
package echomw
