package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// shared is the etcd server that the tests of this binary share, each on
// a prefix of its own; tests that stop a server start their own.
var shared *etcdServer

func TestMain(m *testing.M) {
	if member := os.Getenv(memberEnv); member != "" {
		// This process is a member of a test's cluster (see cluster.go).
		os.Exit(runMember(member))
	}
	dir, err := os.MkdirTemp("", "etcdstore-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared, err = startEtcd(dir, freePort(), freePort())
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting etcd:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	shared.stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// etcdServer is a single-member etcd cluster running in the test process,
// with its data in dir. It can be stopped and started again on the same
// data and ports.
type etcdServer struct {
	dir                string
	clientURL, peerURL url.URL
	e                  *embed.Etcd
}

// startEtcd starts a server on the loopback ports given, with its data in
// dir, and waits until it serves.
func startEtcd(dir string, clientPort, peerPort int) (*etcdServer, error) {
	s := &etcdServer{
		dir:       dir,
		clientURL: url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)},
		peerURL:   url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)},
	}
	return s, s.start()
}

// newEtcd starts a server for the test alone, stopped at its end, after
// the clients that the test makes later.
func newEtcd(t *testing.T) *etcdServer {
	t.Helper()
	srv, err := startEtcd(t.TempDir(), freePort(), freePort())
	require.NoError(t, err)
	t.Cleanup(srv.stop)
	return srv
}

func (s *etcdServer) start() error {
	cfg := embed.NewConfig()
	cfg.Dir = s.dir
	cfg.ListenClientUrls = []url.URL{s.clientURL}
	cfg.AdvertiseClientUrls = []url.URL{s.clientURL}
	cfg.ListenPeerUrls = []url.URL{s.peerURL}
	cfg.AdvertisePeerUrls = []url.URL{s.peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.LogLevel = "error"
	// A single member elects itself; short ticks make that quick.
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return err
	case <-time.After(30 * time.Second):
		e.Close()
		return errors.New("etcd did not become ready")
	}
	s.e = e
	return nil
}

// stop stops the server. Clients with open watches should be closed or
// cut off first: the server waits for open streams for seconds.
func (s *etcdServer) stop() {
	if s.e != nil {
		s.e.Close()
		s.e = nil
	}
}

func (s *etcdServer) endpoint() string { return s.clientURL.Host }

// etcdEndpoint returns the address of the etcd that the tests share.
func etcdEndpoint() string { return shared.endpoint() }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newClient returns a client on endpoints, closed at the end of the
// test. It reconnects quickly, so that tests that cut connections do not
// wait on gRPC's default backoff (up to two minutes).
func newClient(t testing.TB, endpoints ...string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 200 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// prefixes numbers the tests' prefixes.
var prefixes atomic.Int64

// newPrefix returns a prefix that no other test uses.
func newPrefix(t testing.TB) string {
	name := strings.NewReplacer(" ", "_", "/", "_").Replace(t.Name())
	return fmt.Sprintf("/etcdstore-test/%d-%s/", prefixes.Add(1), name)
}

// newStore returns a store on prefix through a new client on endpoint.
func newStore(t testing.TB, endpoint, prefix string) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.New(newClient(t, endpoint), prefix)
	require.NoError(t, err)
	return s
}

// bg is the background context.
func bg() context.Context { return context.Background() }
