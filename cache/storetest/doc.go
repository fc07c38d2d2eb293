// Package storetest checks a [cache.Store] against its contract, so that
// every store (the directory store, cache/etcdstore, one of your own)
// passes one and the same suite.
//
// # Use
//
// In the store's tests, give [Run] a [Harness] that opens handles on new,
// empty storage:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			Open: func(t *testing.T) (cache.Store, func() cache.Store) {
//				prefix := "/test/" + t.Name() + "/"
//				open := func() cache.Store { return mystore.New(newClient(t), prefix) }
//				return open(), open
//			},
//			Disrupt: cutConnection, // optional
//		})
//	}
//
// The suite waits for the store with deadlines, never for fixed times, and
// fails a subtest only when the store breaks the contract or does not
// keep it within 15 seconds.
package storetest
