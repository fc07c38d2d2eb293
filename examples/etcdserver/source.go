package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

// readyTimeout bounds how long the server waits at start for etcd to
// answer before it serves anyway.
const readyTimeout = 5 * time.Second

// etcdSource is a servemain.Source on etcd: flags -etcd and -etcd-prefix.
type etcdSource struct {
	flags *etcdconn.Flags
}

func (s *etcdSource) AddFlags(flags *flag.FlagSet) {
	s.flags = etcdconn.NewFlags("127.0.0.1:2379")
	s.flags.Add(flags)
}

// Open connects to etcd and opens a cache on the prefix. If etcd does not
// answer within readyTimeout it logs so and serves anyway: requests that
// need a record fail (500) until etcd answers, and then the server
// recovers by itself.
func (s *etcdSource) Open(ctx context.Context, log *slog.Logger) (*servemain.Opened, error) {
	client, store, err := s.flags.Open(log)
	if err != nil {
		return nil, err
	}
	creds, err := cache.Open(store, cache.WithLogger(log))
	if err != nil {
		client.Close()
		return nil, err
	}
	opened := servemain.NewOpened(creds, func() { client.Close() },
		"etcd", strings.Join(client.Endpoints(), ","), "prefix", store.Prefix())

	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := creds.Ready(ctx); err != nil {
		log.Warn("etcd does not answer yet; protected routes fail until it does", "err", err)
	}
	return opened, nil
}
