package main

import (
	"net/http"

	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

func main() {
	// Flags, the credentials cache, listening and a graceful shutdown are
	// shared with examples/server: see examples/internal/servemain. An
	// *echo.Echo is an http.Handler, so a plain http.Server runs it. What
	// is particular to this server is in app.go.
	servemain.Main("echo", "127.0.0.1:8081", func(env servemain.Env) http.Handler { return newApp(env) })
}
