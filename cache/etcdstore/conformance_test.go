package etcdstore_test

import (
	"testing"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/storetest"
)

// TestConformance runs the store suite on the etcd store, each subtest on
// a prefix of its own. The store under test reaches etcd through a proxy;
// the other handles, each on a client of its own as another server would
// have, directly. The disruption stalls the proxy: the connection stays
// open and goes silent, which only the heartbeat can notice.
func TestConformance(t *testing.T) {
	var p *proxy // of the subtest running: the suite runs them one by one
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) (cache.Store, func() cache.Store) {
			prefix := newPrefix(t)
			p = newProxy(t, shared.endpoint())
			return newStore(t, p.addr(), prefix), func() cache.Store { return newStore(t, shared.endpoint(), prefix) }
		},
		Disrupt: func(t *testing.T, _ cache.Store) func() {
			p.Stall()
			return p.Resume
		},
	})
}
