package main

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each power of two is split into
// 2^(subBits-1) buckets, so a reported percentile is within 1/64 (1.6 %) of
// the true value. Below 2^subBits nanoseconds buckets are exact.
const subBits = 7

// histBuckets covers every non-negative int64 number of nanoseconds.
const histBuckets = (64-subBits)*(1<<(subBits-1)) + 1<<subBits

// latencies is a histogram of request latencies of fixed size, so that a
// long run needs no more memory than a short one. The zero value is empty
// and ready to use; it is not safe for concurrent use (each client keeps
// its own and they are merged at the end).
type latencies struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

// bucket returns the index of the bucket holding d.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits
	return e<<(subBits-1) + int(v>>e)
}

// bucketValue returns the middle of bucket i.
func bucketValue(i int) time.Duration {
	if i < 1<<subBits {
		return time.Duration(i)
	}
	e := i>>(subBits-1) - 1
	m := uint64(i - e<<(subBits-1))
	return time.Duration(m<<e + 1<<e/2)
}

// add records one latency.
func (h *latencies) add(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds o's latencies to h.
func (h *latencies) merge(o *latencies) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency that a fraction q (0 < q ≤ 1) of the
// requests did not exceed, within the histogram's precision; 0 if there
// were none. The largest is exact: it is the recorded maximum.
func (h *latencies) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := min(max(uint64(math.Ceil(q*float64(h.n))), 1), h.n)
	if rank == h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketValue(i), h.max)
		}
	}
	return h.max
}
