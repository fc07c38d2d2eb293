package main

import "github.com/fixiecreds/fixiecreds/examples/internal/servemain"

func main() {
	// Flags, the credentials cache, listening and a graceful shutdown are
	// shared with examples/echo: see examples/internal/servemain. What is
	// particular to this server is in routes.go.
	servemain.Main("server", routes)
}
