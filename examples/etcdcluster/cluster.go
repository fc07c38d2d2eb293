package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/embedetcd"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
	"github.com/fixiecreds/fixiecreds/examples/internal/routes"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

// appServer is one app server of the cluster: what would run on a host of
// its own, with its own etcd client, cache and listener.
type appServer struct {
	log    *slog.Logger
	client *clientv3.Client
	creds  *cache.Cache
	ln     net.Listener

	closeOnce sync.Once
}

// runCluster starts etcd and the app servers, prints how to try them to
// stdout, serves until ctx is done, then stops everything: the servers,
// their caches, their clients, and etcd last.
func runCluster(ctx context.Context, log *slog.Logger, c config, stdout io.Writer) error {
	data, removeData, err := dataDir(c.data)
	if err != nil {
		return err
	}
	defer removeData()
	etcd, err := embedetcd.Start(embedetcd.Config{Dir: data, ClientAddr: c.etcd, Log: log.With("etcd", "embedded")})
	if err != nil {
		return err
	}
	defer etcd.Close() // last: after the clients
	log.Info("etcd serving", "endpoint", etcd.Endpoint(), "data", data)

	addrs, err := serverAddrs(c.addr, c.servers)
	if err != nil {
		return err
	}
	var servers []*appServer
	defer func() {
		for _, s := range servers {
			s.close()
		}
	}()
	for i, addr := range addrs {
		s, err := startServer(i+1, addr, etcd.Endpoint(), c.prefix, log)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}

	printInstructions(stdout, instructions{
		Etcd:      etcd.Endpoint(),
		Data:      data,
		Temporary: c.data == "",
		Prefix:    c.prefix,
		Servers:   listenAddrs(servers),
	})

	// Serve until ctx is done or a server fails; then stop them all.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handlers := make([]http.Handler, len(servers))
	for i, s := range servers {
		env, closeEnv, err := servemain.NewEnv(s.creds, s.log)
		if err != nil {
			return err
		}
		defer closeEnv()
		handlers[i] = servemain.Handler(env, routes.Handler) // with /readyz
	}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			errs[i] = servemain.Serve(ctx, s.log, s.ln, handlers[i], "etcd", etcd.Endpoint(), "prefix", c.prefix)
			cancel()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, s := range servers {
		s.close()
	}
	etcd.Close()
	log.Info("stopped")
	return nil
}

// startServer connects app server n to etcd, opens its cache and listens
// on addr.
func startServer(n int, addr, endpoint, prefix string, log *slog.Logger) (*appServer, error) {
	log = log.With("server", n)
	client, store, err := (&etcdconn.Flags{Endpoints: endpoint, Prefix: prefix}).Open(log)
	if err != nil {
		return nil, err
	}
	s := &appServer{log: log, client: client}
	if s.creds, err = cache.Open(store, cache.WithLogger(log)); err != nil {
		s.close()
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", addr); err != nil {
		s.close()
		return nil, fmt.Errorf("server %d: %w", n, err)
	}
	return s, nil
}

// close closes the server's cache, which ends its watch, then its
// client. Later calls do nothing.
func (s *appServer) close() {
	s.closeOnce.Do(func() {
		if s.creds != nil {
			s.creds.Close()
		}
		if s.ln != nil {
			s.ln.Close() // in case it was never served
		}
		s.client.Close()
	})
}

// serverAddrs returns n addresses: first, then the ports after it; all
// with port 0 if first has port 0.
func serverAddrs(first string, n int) ([]string, error) {
	host, portText, err := net.SplitHostPort(first)
	if err != nil {
		return nil, fmt.Errorf("-addr: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port+n-1 > 65535 {
		return nil, fmt.Errorf("-addr %q: not a port, or too high for %d servers", first, n)
	}
	addrs := make([]string, n)
	for i := range addrs {
		p := port
		if p != 0 {
			p += i
		}
		addrs[i] = net.JoinHostPort(host, strconv.Itoa(p))
	}
	return addrs, nil
}

func listenAddrs(servers []*appServer) []string {
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = s.ln.Addr().String()
	}
	return out
}

// dataDir returns dir, or a new temporary directory and a func that
// removes it.
func dataDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "etcdcluster-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
