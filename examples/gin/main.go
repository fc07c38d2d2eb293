package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

func main() {
	// gin's debug mode prints every route at start and warns about proxies:
	// this server logs as examples/server does instead.
	gin.SetMode(gin.ReleaseMode)
	// Flags, the credentials cache, listening and a graceful shutdown are
	// shared with examples/server: see examples/internal/servemain. A
	// *gin.Engine is an http.Handler, so a plain http.Server runs it. What
	// is particular to this server is in app.go.
	servemain.Main("gin", "127.0.0.1:8083", func(env servemain.Env) http.Handler { return newApp(env) })
}
