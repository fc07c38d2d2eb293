package main

import (
	"github.com/fixiecreds/fixiecreds/examples/internal/routes"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

func main() {
	// Flags, the credentials cache, listening and a graceful shutdown are
	// shared with examples/echo: see examples/internal/servemain. The
	// routes, shared with the etcd examples, are in
	// examples/internal/routes.
	servemain.Main("server", "127.0.0.1:8080", routes.Handler)
}
