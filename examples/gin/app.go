package main

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fixiecreds/fixiecreds/examples/internal/routes"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// newApp returns the gin app: the fixie-creds service under /creds/, a
// public index at /, a public health check at /healthz, /forward-auth for
// a reverse proxy in front, and a group of routes, /hello, that only
// verified users reach; their decisions go to the log (and, with
// -metrics-addr, to /metrics) as those of examples/server do.
func newApp(env servemain.Env) *gin.Engine {
	chk, err := middleware.NewChecker(env.Creds, middleware.Config{})
	if err != nil {
		panic(err) // only for a nil cache: servemain never passes one
	}
	r := gin.New()
	r.Any("/creds/*path", gin.WrapH(http.StripPrefix("/creds", env.Service)))
	r.GET("/", index)
	r.GET("/healthz", healthz)
	r.Any("/forward-auth", gin.WrapH(env.ForwardAuth()))
	private := r.Group("/", auth(chk, env.OnOutcome()))
	private.GET("/hello", hello)
	return r
}

// auth is gin middleware over chk: it lets a request through to the
// group's handlers with the user in its context, or answers 401 (with
// chk's challenge) or 500, as middleware.Auth does. onOutcome, if not nil,
// sees every decision.
func auth(chk *middleware.Checker, onOutcome func(*http.Request, middleware.Outcome)) gin.HandlerFunc {
	if onOutcome != nil {
		chk = chk.Timed()
	}
	return func(c *gin.Context) {
		o, r := chk.CheckRequest(c.Request, false)
		if onOutcome != nil {
			onOutcome(c.Request, o)
		}
		if r == nil {
			status, msg := http.StatusUnauthorized, middleware.UnauthorizedMessage
			if errors.Is(chk.Refuse(c.Writer.Header(), o), middleware.ErrVerifyFailed) {
				status, msg = http.StatusInternalServerError, middleware.FailedMessage
			}
			c.AbortWithStatusJSON(status, gin.H{"message": msg})
			return
		}
		c.Request = r
		c.Next()
	}
}

// hello greets the user that auth verified.
func hello(c *gin.Context) {
	user, _ := middleware.UserFromContext(c.Request.Context())
	c.String(http.StatusOK, "Hello, %s!\n", user)
}

// healthz answers a load balancer's or Kubernetes' health check.
func healthz(c *gin.Context) {
	c.String(http.StatusOK, "ok\n")
}

// index tells a visitor how to use the server.
func index(c *gin.Context) {
	c.String(http.StatusOK, "%s", routes.Index("gin", c.Request.Host))
}
