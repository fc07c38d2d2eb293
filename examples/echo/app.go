package main

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/examples/internal/routes"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

// newApp returns the Echo app: the fixie-creds service under /creds/, a
// public index at /, a public health check at /healthz, /hello, which
// only verified users reach, and /forward-auth, the same check for a
// reverse proxy; their decisions go to the log (and, with -metrics-addr,
// to /metrics) as those of examples/server do.
func newApp(env servemain.Env) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true

	onOutcome := env.OnOutcome()
	auth := echomw.AuthWithConfig(env.Creds, echomw.AuthConfig{
		OnOutcome: func(c echo.Context, o middleware.Outcome) { onOutcome(c.Request(), o) },
	})
	e.Any("/creds/*", echo.WrapHandler(http.StripPrefix("/creds", env.Service)))
	e.GET("/", index)
	e.GET("/healthz", healthz)
	// Echo v4 applies a route's middleware anew on every request; wrapped
	// once here, the handler spares that.
	e.GET("/hello", auth(hello))
	e.Any("/forward-auth", echo.WrapHandler(env.ForwardAuth()))
	return e
}

// hello greets the user that echomw.Auth verified.
func hello(c echo.Context) error {
	user, _ := echomw.User(c)
	return c.String(http.StatusOK, "Hello, "+user+"!\n")
}

// healthz answers a load balancer's or Kubernetes' health check.
func healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// index tells a visitor how to use the server.
func index(c echo.Context) error {
	return c.String(http.StatusOK, routes.Index("Echo", c.Request().Host))
}
