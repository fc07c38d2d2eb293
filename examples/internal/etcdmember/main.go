// Etcdmember is etcd's own server, v3.7.3 from the etcd server module,
// with etcd's flags, built from this module so that nothing needs to be
// installed: examples/etcdfaults runs a cluster of these as separate
// processes and kills, freezes and restarts them.
//
//	go build -o /tmp/etcd ./examples/internal/etcdmember
//	/tmp/etcd --name m1 --data-dir /tmp/m1.etcd --listen-client-urls http://127.0.0.1:2379 ...
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
