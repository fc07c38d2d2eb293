package etcdstore_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
)

// The benchmarks run against the in-process etcd of TestMain, on
// loopback, with fsync on. Compare figures of one run with one another:
//
//	go test -run '^$' -bench . -count 6 ./...

// BenchmarkVerifyCached: Verify of a cached user, on the etcd store and
// on the directory store. Both answer from memory while their feed
// reports: the store should make no difference.
func BenchmarkVerifyCached(b *testing.B) {
	onEtcd, feed := openCache(b, newStore(b, shared.endpoint(), newPrefix(b)))
	feed.waitReporting(b, true)
	onDir, err := cache.New(b.TempDir(), cache.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { onDir.Close() })
	for _, bc := range []struct {
		name string
		c    *cache.Cache
	}{{"store=dir", onDir}, {"store=etcd", onEtcd}} {
		token, err := bc.c.Register("alice", "a@b.org")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := bc.c.Verify("alice", token); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkPropagation: the time from a Reset on one server returning
// until another server, which had the old token cached, refuses it: the
// watch event's delivery plus the read that it causes. It reports the
// median and 99th percentile over the resets of the run (200 or more in
// the default benchmark time).
func BenchmarkPropagation(b *testing.B) {
	prefix := newPrefix(b)
	writer, wf := openCache(b, newStore(b, shared.endpoint(), prefix))
	reader, rf := openCache(b, newStore(b, shared.endpoint(), prefix), cache.WithPollInterval(time.Hour))
	wf.waitReporting(b, true)
	rf.waitReporting(b, true)
	token, err := writer.Register("alice", "a@b.org")
	if err != nil {
		b.Fatal(err)
	}
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := reader.Verify("alice", token); !ok || err != nil { // cached from here on
			b.Fatal(ok, err)
		}
		old := token
		token, err = writer.Reset("alice", "a@b.org")
		if err != nil {
			b.Fatal(err)
		}
		reset := time.Now()
		for {
			ok, err := reader.Verify("alice", old)
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
			runtime.Gosched()
		}
		took = append(took, time.Since(reset))
	}
	slices.Sort(took)
	ms := func(q float64) float64 { return took[int(q*float64(len(took)-1))].Seconds() * 1e3 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(len(took)), "resets")
}

// BenchmarkColdVerify: Verify of a user not in memory, which is one
// linearizable read of the user's key, against that read alone through
// clientv3.
func BenchmarkColdVerify(b *testing.B) {
	prefix := newPrefix(b)
	store := newStore(b, shared.endpoint(), prefix)
	// Entries expire at once and no feed makes them trusted: every
	// Verify reads etcd.
	cold, _ := openCache(b, store, cache.WithWatch(false), cache.WithPollInterval(time.Nanosecond))
	token, err := cold.Register("alice", "a@b.org")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("op=cache-verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := cold.Verify("alice", token); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	client := newClient(b, shared.endpoint())
	b.Run("op=etcd-get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if resp, err := client.Get(bg(), prefix+"alice"); err != nil || len(resp.Kvs) != 1 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRegister: registrations on three servers sharing one etcd,
// eight at a time on each; an op is one round of 24 registrations of new
// names.
func BenchmarkRegister(b *testing.B) {
	prefix := newPrefix(b)
	var servers [3]*cache.Cache
	for i := range servers {
		servers[i], _ = openCache(b, newStore(b, shared.endpoint(), prefix))
	}
	const perServer = 8
	round := 0
	start := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range len(servers) * perServer {
			user := fmt.Sprintf("u%d-%d", round, i)
			wg.Go(func() {
				if _, err := servers[i%len(servers)].Register(user, "a@b.org"); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		round++
	}
	b.ReportMetric(float64(round*len(servers)*perServer)/time.Since(start).Seconds(), "registers/s")
}
