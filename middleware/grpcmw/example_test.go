package grpcmw_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/grpcmw"
)

// greeter is a health service whose Check greets the verified user.
type greeter struct {
	healthpb.UnimplementedHealthServer
}

func (greeter) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	user, _ := middleware.UserFromContext(ctx)
	fmt.Println("hello,", user)
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func ExampleUnaryServerInterceptor() {
	dir, err := os.MkdirTemp("", "fixiecreds-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := cache.New(filepath.Join(dir, "creds"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	token, err := c.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}

	srv := grpc.NewServer(grpc.UnaryInterceptor(grpcmw.UnaryServerInterceptor(c)))
	healthpb.RegisterHealthServer(srv, greeter{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Stop()
		<-served
	}()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	ctx := context.Background()

	resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.PerRPCCredentials(grpcmw.InsecureCredentials("alice", token)))
	fmt.Println(resp.GetStatus(), err)
	_, err = hc.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), status.Convert(err).Message())
	// Output:
	// hello, alice
	// SERVING <nil>
	// Unauthenticated middleware: missing credentials
}
