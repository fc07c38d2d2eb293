package etcdconn

import (
	"log/slog"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// reconnect is how the client retries a member it cannot reach: at
// most a second apart, so that service resumes within about a second of
// etcd answering again, however long it was out of reach. gRPC's default
// lets the wait grow to two minutes. An attempt is given two seconds to
// connect (TLS included), so that one sent to a host that drops packets
// does not hold the next back for long.
var reconnect = grpc.ConnectParams{
	Backoff: backoff.Config{
		BaseDelay:  100 * time.Millisecond,
		Multiplier: 1.6,
		Jitter:     0.2,
		MaxDelay:   time.Second,
	},
	MinConnectTimeout: 2 * time.Second,
}

// NewClient returns an etcd client on endpoints that logs to log. It
// connects in the background: a first call fails if no endpoint answers.
//
// It sets what the etcdstore package asks of a client: keepalive, so
// that a connection that dies silently is closed and another member
// tried; and attempts to reconnect at most a second apart. A deployment
// with TLS or etcd authentication sets TLS, Username and Password in
// this Config too; the store adds nothing to the client.
func NewClient(endpoints []string, log *slog.Logger) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		DialOptions:          []grpc.DialOption{grpc.WithConnectParams(reconnect)},
		Logger:               Logger(log, zap.InfoLevel),
	})
}
