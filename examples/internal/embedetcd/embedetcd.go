// Package embedetcd runs a single-member etcd cluster inside the process,
// for the cluster demo and the etcd examples' tests: nothing to install.
package embedetcd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
)

// startTimeout bounds how long Start waits for the member to serve.
const startTimeout = 30 * time.Second

// Config says where a Server keeps its data and listens.
type Config struct {
	// Dir holds the member's data; required. A Server started again on
	// the same Dir finds its keys there.
	Dir string
	// ClientAddr is where clients reach it, host:port; port 0 picks a
	// free port. Default 127.0.0.1:0.
	ClientAddr string
	// PeerAddr is its raft address, which no other member uses; port 0
	// picks a free port. Default 127.0.0.1:0.
	PeerAddr string
	// Log receives the member's log lines at Error level and above.
	// Default: none.
	Log *slog.Logger
}

// Server is a running member.
type Server struct {
	e         *embed.Etcd
	endpoint  string
	stopping  *atomic.Bool // tells the log to drop what etcd says as it stops
	closeOnce sync.Once
}

// Start starts a member with the configuration and waits until it
// serves. Its compaction keeps an hour of history, as a deployment's
// --auto-compaction-retention=1h would.
func Start(c Config) (*Server, error) {
	if c.Dir == "" {
		return nil, errors.New("embedetcd: no data directory")
	}
	clientURL, err := loopbackURL(c.ClientAddr)
	if err != nil {
		return nil, fmt.Errorf("embedetcd: client address: %w", err)
	}
	peerURL, err := loopbackURL(c.PeerAddr)
	if err != nil {
		return nil, fmt.Errorf("embedetcd: peer address: %w", err)
	}
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	cfg := embed.NewConfig()
	cfg.Dir = c.Dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	stopping := new(atomic.Bool)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(etcdconn.Logger(log, zap.ErrorLevel).
		WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &quietCore{c, stopping} })))
	cfg.LogLevel = "error"
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = "1h"
	// A single member elects itself; short ticks make that quick.
	cfg.TickMs = 10
	cfg.ElectionMs = 100

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("embedetcd: %w", err)
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedetcd: %w", err)
	case <-timer.C:
		e.Close()
		return nil, errors.New("embedetcd: etcd did not become ready")
	}
	return &Server{e: e, endpoint: clientURL.Host, stopping: stopping}, nil
}

// Endpoint returns the host:port where clients reach the member.
func (s *Server) Endpoint() string { return s.endpoint }

// Close stops the member. Close clients with open watches first: the
// member waits seconds for open streams to end. Later calls do nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stopping.Store(true)
		s.e.Close()
	})
}

// loopbackURL returns the http URL of addr (default 127.0.0.1:0), with a
// free port in place of port 0. A port found free may be taken by
// another process before etcd listens on it; Start then fails.
func loopbackURL(addr string) (url.URL, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return url.URL{}, err
	}
	if port == "0" {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return url.URL{}, err
		}
		addr = ln.Addr().String()
		ln.Close()
	}
	return url.URL{Scheme: "http", Host: addr}, nil
}

// quietCore drops two kinds of error that etcd logs and that are none:
// at a first start, that it cannot yet record the storage version (it
// does once it has a term), and, while it stops, its listeners closing.
type quietCore struct {
	zapcore.Core
	stopping *atomic.Bool
}

// storageVersionUnknown is the message etcd logs at a first start.
const storageVersionUnknown = "failed to update storage version"

func (c *quietCore) With(fields []zapcore.Field) zapcore.Core {
	return &quietCore{c.Core.With(fields), c.stopping}
}

func (c *quietCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.stopping.Load() || e.Message == storageVersionUnknown {
		return ce
	}
	return c.Core.Check(e, ce)
}
