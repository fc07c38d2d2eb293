package etcdconn

import (
	"log/slog"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// NewClient returns an etcd client on endpoints that logs to log. It
// connects in the background: a first call fails if no endpoint answers.
//
// It sets what the etcdstore package asks of a client: keepalive, so
// that a connection that dies silently is closed and another member
// tried. A deployment with TLS or etcd authentication sets TLS, Username
// and Password in this Config too; the store adds nothing to the client.
func NewClient(endpoints []string, log *slog.Logger) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		Logger:               Logger(log, zap.InfoLevel),
	})
}
