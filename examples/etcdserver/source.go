package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

// readyTimeout is how long after start the server logs that etcd does
// not answer, if it does not.
const readyTimeout = 5 * time.Second

// etcdSource is a servemain.Source on etcd: flags -etcd and -etcd-prefix.
type etcdSource struct {
	flags *etcdconn.Flags
}

func (s *etcdSource) AddFlags(flags *flag.FlagSet) {
	s.flags = etcdconn.NewFlags("127.0.0.1:2379")
	s.flags.Add(flags)
}

// Open connects to etcd and opens a cache on the prefix, without
// waiting for etcd: the server listens at once. Until etcd answers,
// /readyz answers 503 and requests that need a record 500 (at once,
// once the store knows etcd is out of reach), and the server recovers by
// itself when it does. If etcd has not answered within readyTimeout, it
// logs so.
func (s *etcdSource) Open(_ context.Context, log *slog.Logger) (*servemain.Opened, error) {
	client, store, err := s.flags.Open(log)
	if err != nil {
		return nil, err
	}
	creds, err := cache.Open(store, cache.WithLogger(log))
	if err != nil {
		client.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := waitReady(ctx, creds); err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Warn("etcd does not answer yet; protected routes fail until it does", "err", err)
		}
	})
	release := func() {
		cancel()
		wg.Wait()
		client.Close()
	}
	return servemain.NewOpened(creds, release,
		"etcd", strings.Join(client.Endpoints(), ","), "prefix", store.Prefix()), nil
}

// waitReady waits until creds is ready or ctx ends, and returns the
// last error.
func waitReady(ctx context.Context, creds *cache.Cache) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := creds.Ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-tick.C:
		}
	}
}
