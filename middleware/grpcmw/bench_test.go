package grpcmw_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/grpcmw"
)

// BenchmarkUnaryCall measures a unary call with valid credentials on an
// in-process connection, with door=bare a server without the interceptor
// and door=fixie one with it, so that benchstat -col /door gives the
// interceptor's cost as a ratio. Runs of the two alternate, so that a busy
// machine slows both alike:
//
//	go test -c -o grpcmw.test ./middleware/grpcmw/
//	for i in $(seq 10); do ./grpcmw.test -test.run '^$' -test.bench 'BenchmarkUnaryCall$'; done > bench.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /door bench.txt
func BenchmarkUnaryCall(b *testing.B) {
	c, token := newCache(b)
	for _, door := range []struct {
		name string
		opts []grpc.ServerOption
	}{
		{"bare", nil},
		{"fixie", []grpc.ServerOption{grpc.UnaryInterceptor(grpcmw.UnaryServerInterceptor(c))}},
	} {
		b.Run("door="+door.name, func(b *testing.B) {
			hc := bufServe(b, door.opts, grpc.WithPerRPCCredentials(grpcmw.InsecureCredentials("alice", token)))
			ctx := b.Context()
			req := &healthpb.HealthCheckRequest{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := hc.Check(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnaryInterceptor measures the interceptor alone, on metadata
// as a client with InsecureCredentials sends it: the decision, the
// metadata copy without the token, and the context for the handler.
func BenchmarkUnaryInterceptor(b *testing.B) {
	c, token := newCache(b)
	intercept := grpcmw.UnaryServerInterceptor(c)
	ctx := metadata.NewIncomingContext(b.Context(), metadata.MD{
		":authority":    {"bufconn"},
		"content-type":  {"application/grpc"},
		"user-agent":    {"grpc-go/1.83.2"},
		"x-fixie-user":  {"alice"},
		"x-fixie-token": {token},
	})
	info := &grpc.UnaryServerInfo{FullMethod: checkMethod}
	handler := func(ctx context.Context, _ any) (any, error) {
		if _, ok := middleware.UserFromContext(ctx); !ok {
			return nil, errors.New("no user")
		}
		return nil, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intercept(ctx, nil, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// bufServe serves gRPC's own health service with srvOpts on an in-process
// listener, and returns a client of it.
func bufServe(b *testing.B, srvOpts []grpc.ServerOption, dialOpts ...grpc.DialOption) healthpb.HealthClient {
	b.Helper()
	srv := grpc.NewServer(srvOpts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis := bufconn.Listen(1 << 20)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	b.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	dialOpts = append(dialOpts,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
	)
	conn, err := grpc.NewClient("passthrough:///bufconn", dialOpts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	return healthpb.NewHealthClient(conn)
}
