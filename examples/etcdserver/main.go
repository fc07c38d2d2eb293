package main

import (
	"github.com/fixiecreds/fixiecreds/examples/internal/routes"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

func main() {
	// The routes, listening and shutdown are examples/server's; only
	// where the records are differs: etcd, opened in source.go.
	servemain.MainOn("etcdserver", "127.0.0.1:8082", &etcdSource{}, routes.Handler)
}
