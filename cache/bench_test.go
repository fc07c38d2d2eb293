package cache

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchCache returns a watching cache with user "alice" registered and
// cached, and her token.
func benchCache(b *testing.B) (*Cache, string) {
	b.Helper()
	c := newTestCache(b)
	token, err := c.Register("alice", "a@b.org")
	if err != nil {
		b.Fatal(err)
	}
	waitFor(b, "alice cached", func() bool {
		if u, _ := cached(c, "alice"); !u {
			c.Verify("alice", token)
			return false
		}
		return c.memo.trusted.Load()
	})
	return c, token
}

// BenchmarkHotPath measures Verify of what is cached against the floor,
// the work no Verify can avoid, done with the standard library: decoding
// the 40-digit token (held as bytes already) into 20 bytes, reversing
// them into the little-endian value, SHA-256, a constant-time compare
// with the stored hash, and one monotonic clock read, which tells
// whether the entry may still be trusted (DESIGN, "Freshness"). Compare
// the ops with benchstat -col /op:
//
//   - verify: a cached user and the right token;
//   - verify-parallel: the same on every core at once (ns/op is per call,
//     so on 2 cores half of verify if nothing is shared);
//   - wrong-token and unknown-name: a cached user with a wrong token, and
//     a name cached as having no record, which must cost the same.
func BenchmarkHotPath(b *testing.B) {
	c, token := benchCache(b)
	c.Verify("mallory", token)
	b.Run("op=floor", func(b *testing.B) {
		tok := []byte("46685257bdd640fb06671ad11c80317fa3b1799d")
		stored := sha256.Sum256([]byte{0x9d, 0x79, 0xb1, 0xa3, 0x7f, 0x31, 0x80, 0x1c, 0xd1, 0x1a,
			0x67, 0x06, 0xfb, 0x40, 0xd6, 0xbd, 0x57, 0x52, 0x68, 0x46})
		b.ReportAllocs()
		var ok bool
		start := time.Now()
		var age time.Duration
		for b.Loop() {
			age = time.Since(start)
			var v [20]byte
			if _, err := hex.Decode(v[:], tok); err != nil {
				b.Fatal(err)
			}
			slices.Reverse(v[:])
			sum := sha256.Sum256(v[:])
			ok = subtle.ConstantTimeCompare(sum[:], stored[:]) == 1
		}
		if !ok || age < 0 {
			b.Fatal("floor does not match")
		}
	})
	b.Run("op=verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := c.Verify("alice", token); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("op=verify-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, err := c.Verify("alice", token); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
	})
	b.Run("op=wrong-token", func(b *testing.B) {
		wrong := "46685257bdd640fb06671ad11c80317fa3b1799d"
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := c.Verify("alice", wrong); ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("op=unknown-name", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Verify("mallory", token); err != ErrNotRegistered {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyCold reads and parses the record from disk every time.
func BenchmarkVerifyCold(b *testing.B) {
	c, token := benchCache(b)
	b.ReportAllocs()
	for b.Loop() {
		c.memo.Changed("alice")
		if ok, err := c.Verify("alice", token); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkVerifyColdUnknown looks a name up on disk every time and finds
// no record: with BenchmarkVerifyCold, what a first lookup tells by time.
func BenchmarkVerifyColdUnknown(b *testing.B) {
	c, token := benchCache(b)
	b.ReportAllocs()
	for b.Loop() {
		c.memo.Changed("mallory")
		if _, err := c.Verify("mallory", token); err != ErrNotRegistered {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRotation is BenchmarkHotPath's verify for a user in the
// middle of a rotation (a token that expires, and the one it replaced
// kept for a day): with the current token, the kept one, an expired
// token and a wrong one. Each must stay free of allocation.
func BenchmarkVerifyRotation(b *testing.B) {
	c, old := benchCache(b)
	token, err := c.Reset("alice", "a@b.org", ExpiresAfter(time.Hour), KeepPrevious(24*time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	gone, err := c.Register("gone", "g@b.org", ExpiresAfter(time.Second))
	if err != nil {
		b.Fatal(err)
	}
	waitFor(b, "the rotation cached", func() bool {
		ok, _ := c.Verify("alice", token)
		_, err := c.Verify("gone", gone)
		u, _ := cached(c, "alice")
		g, _ := cached(c, "gone")
		return ok && err == ErrTokenExpired && u && g
	})
	for _, bc := range []struct {
		op, user, token string
		ok              bool
		err             error
	}{
		{"current", "alice", token, true, nil},
		{"kept", "alice", old, true, nil},
		{"expired", "gone", gone, false, ErrTokenExpired},
		{"wrong-token", "alice", "46685257bdd640fb06671ad11c80317fa3b1799d", false, nil},
	} {
		b.Run("op="+bc.op, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := c.Verify(bc.user, bc.token); ok != bc.ok || err != bc.err {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func BenchmarkRegister(b *testing.B) {
	c := newTestCache(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.Register(fmt.Sprintf("user%d", i), "a@b.org"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkReset(b *testing.B) {
	c, _ := benchCache(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Reset("alice", "a@b.org"); err != nil {
			b.Fatal(err)
		}
	}
}

// hundredKDir is where BenchmarkOpen100k keeps its 100,000 records, once
// per test binary run; TestMain removes it.
func hundredKDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("fixiecreds-bench-100k-%d", os.Getpid()))
}

// hundredK writes the records of hundredKDir, once.
var hundredK = sync.OnceValues(func() (string, error) {
	dir := hundredKDir()
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	for i := range 100_000 {
		user := fmt.Sprintf("user%d", i)
		if err := writeFileAt(dir, user, encodeRecord(User{User: user, Email: "a@b.org", HashedToken: ffHash})); err != nil {
			return "", err
		}
	}
	return dir, nil
})

// BenchmarkOpen100k opens a cache on 100,000 records and verifies 100 of
// them. It reports the heap the open cache holds after the 100 verified
// (heap-KiB), which grows with the users verified, not with the records.
func BenchmarkOpen100k(b *testing.B) {
	dir, err := hundredK()
	if err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var heap uint64
	b.ReportAllocs()
	for b.Loop() {
		c, err := New(dir, WithLogger(quietLog))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for i := range 100 {
			if ok, err := c.Verify(fmt.Sprintf("user%d", i*997), "ff"); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap = ms.HeapAlloc - min(base, ms.HeapAlloc)
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/1024, "heap-KiB")
}

// BenchmarkMemoryPerUser caches users with 250-byte names and 254-byte
// emails, the longest there are, and reports what each one holds: heap
// (heap-B/user) and, on Linux, resident memory (rss-B/user), both
// measured after a collection that returns freed memory to the system.
func BenchmarkMemoryPerUser(b *testing.B) {
	const n = 20_000
	dir := b.TempDir()
	email := strings.Repeat("e", 64) + "@" + strings.Repeat("d", 189)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%0250d", i)
		rec := encodeRecord(User{User: names[i], Email: email, HashedToken: ffHash})
		if err := writeFileAt(dir, names[i], rec); err != nil {
			b.Fatal(err)
		}
	}
	var perUser, rssPerUser float64
	for b.Loop() {
		c := newTestCacheIn(b, dir)
		waitFor(b, "the watch", c.memo.trusted.Load)
		before, rssBefore := heapInUse(), residentBytes()
		for _, name := range names {
			if ok, err := c.Verify(name, "ff"); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
		if users, _ := c.memo.sizes(); users != n {
			b.Fatalf("%d users cached, want %d", users, n)
		}
		perUser = float64(heapInUse()-before) / n
		rssPerUser = float64(residentBytes()-rssBefore) / n
		c.Close()
	}
	b.ReportMetric(perUser, "heap-B/user")
	if rssPerUser != 0 {
		b.ReportMetric(rssPerUser, "rss-B/user")
	}
}

// BenchmarkUnknownFlood verifies a million distinct unknown names, each
// read from the directory once, and reports how much the heap grew
// (heap-MiB), measured after a collection: the names cached as unknown
// are bounded, whatever the flood.
func BenchmarkUnknownFlood(b *testing.B) {
	const n = 1_000_000
	var grown float64
	for b.Loop() {
		c := newTestCache(b)
		waitFor(b, "the watch", c.memo.trusted.Load)
		before := heapInUse()
		for i := range n {
			if _, err := c.Verify(fmt.Sprintf("%0250d", i), "ff"); err != ErrNotRegistered {
				b.Fatal(err)
			}
		}
		grown = float64(heapInUse()-before) / (1 << 20)
		c.Close()
	}
	b.ReportMetric(grown, "heap-MiB")
}

// heapInUse returns the bytes of heap in use after a collection.
func heapInUse() int64 {
	var ms runtime.MemStats
	debug.FreeOSMemory() // a collection, then freed memory back to the system
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// residentBytes returns the process's resident memory after a collection
// that returns freed memory to the system, or 0 where /proc does not say.
func residentBytes() int64 {
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(data), &size, &resident); err != nil {
		return 0
	}
	return resident * int64(os.Getpagesize())
}

// BenchmarkSweep measures what the watch's re-check of served records
// (see servedSet) costs per cached record: one stat each per poll
// interval, done by the watch's goroutine, off the path of Verify.
func BenchmarkSweep(b *testing.B) {
	const n = 1000
	dir := b.TempDir()
	for i := range n {
		user := fmt.Sprintf("user%d", i)
		if err := writeFileAt(dir, user, encodeRecord(User{User: user, Email: "a@b.org", HashedToken: ffHash})); err != nil {
			b.Fatal(err)
		}
	}
	c := newTestCacheIn(b, dir, WithPollInterval(time.Hour))
	waitFor(b, "the watch", c.memo.trusted.Load)
	for i := range n {
		if ok, err := c.Verify(fmt.Sprintf("user%d", i), "ff"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	ds := c.store.(*dirStore)
	// A watch of its own on the cache's set of served records, whose
	// sweep the benchmark drives.
	d := &dirWatch{s: ds, feed: c.memo, poll: time.Hour, served: ds.served[0], healthy: true}
	if got := d.served.size(); got != n {
		b.Fatalf("%d records served, want %d", got, n)
	}
	b.ReportAllocs()
	for b.Loop() {
		for range sweepSteps {
			d.sweep()
		}
	}
	if got := d.served.size(); got != n {
		b.Fatalf("%d records left after the sweeps, want %d", got, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
}
