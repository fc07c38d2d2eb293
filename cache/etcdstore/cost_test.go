package etcdstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// calls counts what a client sends to etcd.
type calls struct {
	reads, progress atomic.Int64
}

// countingClient returns a client on endpoint whose reads and progress
// requests c counts.
func countingClient(t *testing.T, endpoint string, c *calls) *clientv3.Client {
	t.Helper()
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{
			grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
				if method == "/etcdserverpb.KV/Range" {
					c.reads.Add(1)
				}
				return invoker(ctx, method, req, reply, cc, opts...)
			}),
			grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				s, err := streamer(ctx, desc, cc, method, opts...)
				return &countingStream{ClientStream: s, c: c}, err
			}),
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	return client
}

type countingStream struct {
	grpc.ClientStream
	c *calls
}

func (s *countingStream) SendMsg(m any) error {
	if r, ok := m.(*pb.WatchRequest); ok && r.GetProgressRequest() != nil {
		s.c.progress.Add(1)
	}
	return s.ClientStream.SendMsg(m)
}

// TestHeartbeatCost measures what a watch asks of etcd at the default
// trust window, 100 ms: a read each quarter window, and while etcd's
// revision runs ahead of the prefix's (other keys change) a progress
// request per read. It checks the rates against that design, with room
// for a timer that runs late and never more. Not parallel: it measures.
func TestHeartbeatCost(t *testing.T) {
	const (
		window = 100 * time.Millisecond
		span   = time.Second
		design = float64(span / (window / 4)) // per span
	)
	for _, busy := range []bool{false, true} {
		name := map[bool]string{false: "etcd quiet", true: "other keys changing"}[busy]
		t.Run(name, func(t *testing.T) {
			var c calls
			prefix := newPrefix(t)
			s, err := etcdstore.New(countingClient(t, shared.endpoint(), &c), prefix)
			require.NoError(t, err)
			f := &spy{}
			stop := s.Watch(f, cache.FeedTiming{Poll: time.Second, Window: window})
			defer stop()
			f.waitReporting(t, true)

			done := make(chan struct{})
			var wg sync.WaitGroup
			if busy {
				writer := newClient(t, shared.endpoint())
				wg.Go(func() {
					pace := time.NewTicker(10 * time.Millisecond)
					defer pace.Stop()
					for i := int64(0); ; i++ {
						select {
						case <-done:
							return
						case <-pace.C:
						}
						writer.Put(bg(), prefix[:len(prefix)-1]+"-busy", itoa(i))
					}
				})
			}
			reads, progress, start := c.reads.Load(), c.progress.Load(), time.Now()
			proofs := f.mark()
			waitFor(t, "the span to pass", func() bool { return time.Since(start) >= span })
			reads, progress = c.reads.Load()-reads, c.progress.Load()-progress
			took := time.Since(start)
			close(done)
			wg.Wait()
			n := 0
			for _, call := range f.since(proofs) {
				if call.kind == "caughtup" {
					n++
				}
			}
			perSecond := func(n int64) float64 { return float64(n) / took.Seconds() }
			t.Logf("%s: %.0f reads/s, %.0f progress requests/s, %.0f proofs/s (window %v)",
				name, perSecond(reads), perSecond(progress), perSecond(int64(n)), window)
			assert.LessOrEqual(t, perSecond(reads), 1.2*design, "reads/s")
			assert.LessOrEqual(t, perSecond(progress), 1.2*design, "progress requests/s")
			if !busy {
				assert.Zero(t, progress, "progress requests while etcd's revision is the prefix's")
			}
		})
	}
}
