package cache

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/stretchr/testify/require"
)

// BenchmarkInvalidationLatency measures how long a watching Cache goes on
// answering from a record that another program has replaced. Another
// process writes the new record under another name and renames it over
// "<user>.json", as the Python service does, and reports the wall-clock
// time right after the rename; the benchmark polls Verify with the new
// token until it is accepted. Each iteration is one replacement of a
// cached record. The latencies' median, 99th percentile and maximum are
// reported in milliseconds as p50-ms, p99-ms and max-ms. A change seen
// before the other process has read the clock counts as a latency slightly
// below zero. The same renames are watched by a bare fsnotify watcher of
// the benchmark's own, whose delivery is the floor: fsnotify-p99-ms, and
// p99/fsnotify the ratio of the two 99th percentiles. For at least 200
// samples run
//
//	go test -run '^$' -bench InvalidationLatency -benchtime=300x ./cache/
func BenchmarkInvalidationLatency(b *testing.B) {
	const user, email = "latency", "latency@example.org"
	dir := b.TempDir()
	c := newTestCacheIn(b, dir)
	token, err := c.Register(user, email)
	require.NoError(b, err)
	bare := bareRenames(b, dir, recordName(user))
	r := spawnChild(b, "renamer", dir, user, email)
	r.expect(b, "ready")

	var latencies, floor []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		ok, err := c.Verify(user, token)
		require.NoError(b, err)
		require.True(b, ok, "the current token is refused")

		next := newHexToken(b)
		r.send(b, next)
		deadline := time.Now().Add(childTimeout)
		for {
			ok, err := c.Verify(user, next)
			require.NoError(b, err)
			if ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the replaced record was not seen within %v", childTimeout)
			}
		}
		seen := time.Now().UnixNano()

		line, ok := r.next(b)
		require.True(b, ok, "renamer: output ended; stderr: %s", r.stderr.String())
		renamed, err := strconv.ParseInt(strings.TrimPrefix(line, "renamed "), 10, 64)
		require.NoError(b, err, "renamer: unexpected output %q", line)
		latencies = append(latencies, time.Duration(seen-renamed))
		select {
		case delivered := <-bare:
			floor = append(floor, time.Duration(delivered-renamed))
		case <-time.After(childTimeout):
			b.Fatal("the bare watcher saw no rename")
		}
		token = next
	}
	require.Empty(b, r.finish(b), "renamer: output after the end")

	slices.Sort(latencies)
	slices.Sort(floor)
	for _, m := range []struct {
		unit string
		q    float64
	}{{"p50-ms", 0.50}, {"p99-ms", 0.99}, {"max-ms", 1}} {
		b.ReportMetric(quantile(latencies, m.q).Seconds()*1e3, m.unit)
	}
	b.ReportMetric(quantile(floor, 0.99).Seconds()*1e3, "fsnotify-p99-ms")
	b.ReportMetric(float64(quantile(latencies, 0.99))/float64(quantile(floor, 0.99)), "p99/fsnotify")
}

// bareRenames watches dir with a bare fsnotify watcher and sends the Unix
// time in ns at which each event renaming a file to name arrives, until
// the benchmark ends.
func bareRenames(b *testing.B, dir, name string) <-chan int64 {
	w, err := fsnotify.NewWatcher()
	require.NoError(b, err)
	require.NoError(b, w.Add(dir))
	out := make(chan int64, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.Events {
			if ev.Has(fsnotify.Create) && filepath.Base(ev.Name) == name {
				out <- time.Now().UnixNano()
			}
		}
	}()
	b.Cleanup(func() {
		w.Close()
		<-done
	})
	return out
}

// quantile returns the q-quantile of the sorted durations d by the
// nearest-rank method.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func newHexToken(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, defaultNBytes)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// renamerChild takes a user and its email as arguments. For each token
// it reads, it writes the user's record for that token to a new file and
// renames the file over the user's record, as a program other than this
// package would, then reports "renamed <Unix time in ns>".
func renamerChild(dir string, args []string, in *bufio.Scanner, out io.Writer) error {
	if len(args) != 2 {
		return errors.New("want user, email")
	}
	user, email := args[0], args[1]
	fmt.Fprintln(out, "ready")
	for n := 0; in.Scan(); n++ {
		sum, ok := hashToken(in.Text(), defaultNBytes)
		if !ok {
			return ErrMalformedToken
		}
		rec := encodeRecord(User{User: user, Email: email, HashedToken: hex.EncodeToString(sum[:])})
		tmp := filepath.Join(dir, "tmp"+strconv.Itoa(n))
		if err := os.WriteFile(tmp, rec, 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, recordName(user))); err != nil {
			return err
		}
		renamed := time.Now().UnixNano()
		if _, err := fmt.Fprintln(out, "renamed", renamed); err != nil {
			return err
		}
	}
	return in.Err()
}
