//go:build unix

package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdle measures what a watching cache holding 1,000 and
// 200,000 users costs while nothing happens: each op is a second of
// idleness, and core-% is the share of one core the process used
// meanwhile (the sweep of served records, the watch's confirmations, the
// runtime). It should not grow with the users.
func BenchmarkIdle(b *testing.B) {
	for _, n := range []int{1000, 200_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) { benchIdle(b, n) })
	}
}

func benchIdle(b *testing.B, n int) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("fixiecreds-bench-idle-%d-%d", n, os.Getpid()))
	if err := os.Mkdir(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	for i := range n {
		user := fmt.Sprintf("user%d", i)
		if err := writeFileAt(dir, user, encodeRecord(User{User: user, Email: "a@b.org", HashedToken: ffHash})); err != nil {
			b.Fatal(err)
		}
	}
	c := newTestCacheIn(b, dir, WithMaxEntries(n))
	waitFor(b, "the watch", c.memo.trusted.Load)
	for i := range n {
		if ok, err := c.Verify(fmt.Sprintf("user%d", i), "ff"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	if users, _ := c.memo.sizes(); users != n {
		b.Fatalf("%d users cached, want %d", users, n)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	start, used := time.Now(), cpu()
	for b.Loop() {
		time.Sleep(time.Second)
	}
	b.ReportMetric(100*float64(cpu()-used)/float64(time.Since(start)), "core-%")
}
