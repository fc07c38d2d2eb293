package grpcmw_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/grpcmw"
)

// The methods of the service the tests serve: gRPC's health service, one
// unary and one server-streaming method, whose generated code comes with
// gRPC.
const (
	checkMethod = "/grpc.health.v1.Health/Check"
	watchMethod = "/grpc.health.v1.Health/Watch"
)

// seen is what a handler found in its context.
type seen struct {
	user    string
	hasUser bool
	md      metadata.MD
}

// recorder is a health service that records what each call's handler saw.
type recorder struct {
	healthpb.UnimplementedHealthServer
	mu    sync.Mutex
	calls []seen
}

func (r *recorder) record(ctx context.Context) {
	user, ok := middleware.UserFromContext(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, seen{user: user, hasUser: ok, md: md})
}

func (r *recorder) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	r.record(ctx)
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (r *recorder) Watch(_ *healthpb.HealthCheckRequest, ss healthpb.Health_WatchServer) error {
	r.record(ss.Context())
	return ss.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})
}

// handled returns how many calls reached a handler.
func (r *recorder) handled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// last returns what the last handler saw.
func (r *recorder) last(t *testing.T) seen {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.calls, "no call reached a handler")
	return r.calls[len(r.calls)-1]
}

// decided is an outcome hook's record of one call.
type decided struct {
	method string
	o      middleware.Outcome
}

// outcomes records what WithOnOutcome reports.
type outcomes struct {
	mu  sync.Mutex
	got []decided
}

func (h *outcomes) hook(_ context.Context, method string, o middleware.Outcome) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, decided{method, o})
}

func (h *outcomes) last(t *testing.T) decided {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.NotEmpty(t, h.got, "no outcome reported")
	return h.got[len(h.got)-1]
}

// server is a health service behind both interceptors, on a loopback
// listener.
type server struct {
	rec      *recorder
	outcomes *outcomes
	addr     string
}

// serve starts a server whose interceptors ask v, with opts and an outcome
// hook, and stops it when the test ends. srvOpts are added to the
// server's options (transport credentials).
func serve(t *testing.T, v middleware.Verifier, srvOpts []grpc.ServerOption, opts ...grpcmw.Option) *server {
	t.Helper()
	s := &server{rec: &recorder{}, outcomes: &outcomes{}}
	opts = append(opts, grpcmw.WithOnOutcome(s.outcomes.hook))
	srv := grpc.NewServer(append(srvOpts,
		grpc.UnaryInterceptor(grpcmw.UnaryServerInterceptor(v, opts...)),
		grpc.StreamInterceptor(grpcmw.StreamServerInterceptor(v, opts...)),
	)...)
	healthpb.RegisterHealthServer(srv, s.rec)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.addr = lis.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		require.NoError(t, <-done)
	})
	return s
}

// client returns a health client of the server at addr, by default
// without transport security.
func client(t *testing.T, addr string, opts ...grpc.DialOption) healthpb.HealthClient {
	t.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(addr, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return healthpb.NewHealthClient(conn)
}

// callCtx returns a context for one call, ending with the test, and with
// md as outgoing metadata when it is not nil.
func callCtx(t *testing.T, md metadata.MD) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	if md != nil {
		ctx = metadata.NewOutgoingContext(ctx, md)
	}
	return ctx
}

// check makes a unary call.
func check(ctx context.Context, c healthpb.HealthClient, opts ...grpc.CallOption) error {
	_, err := c.Check(ctx, &healthpb.HealthCheckRequest{}, opts...)
	return err
}

// watch makes a streaming call and reads its first message.
func watch(ctx context.Context, c healthpb.HealthClient, opts ...grpc.CallOption) error {
	stream, err := c.Watch(ctx, &healthpb.HealthCheckRequest{}, opts...)
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

// newCache returns a cache on a fresh directory, closed when the test
// ends, where alice is registered, and her token.
func newCache(t testing.TB) (*cache.Cache, string) {
	t.Helper()
	c, err := cache.New(filepath.Join(t.TempDir(), "creds"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	token, err := c.Register("alice", "alice@example.org")
	require.NoError(t, err)
	return c, token
}

// tlsCreds returns transport credentials for a server on 127.0.0.1 with a
// fresh self-signed certificate, and for a client that trusts it.
func tlsCreds(t *testing.T) (srv, cli credentials.TransportCredentials) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	srv = credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS13,
	})
	cli = credentials.NewTLS(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13})
	return srv, cli
}
