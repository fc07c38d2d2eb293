package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLatencyQuantiles(t *testing.T) {
	t.Parallel()
	var h latencies
	assert.Zero(t, h.quantile(0.5), "empty")
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.9, 900 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.quantile(tt.q)
		assert.InEpsilon(t, float64(tt.want), float64(got), 1.0/64, "q %v: got %v, want %v", tt.q, got, tt.want)
	}
	assert.Equal(t, time.Millisecond, h.max)

	var merged latencies
	merged.merge(&h)
	merged.add(time.Hour)
	assert.Equal(t, uint64(1001), merged.n)
	assert.Equal(t, time.Hour, merged.quantile(1), "the largest is exact")
}

func TestLatencyBuckets(t *testing.T) {
	t.Parallel()
	prev := -1
	for _, d := range []time.Duration{0, 1, 127, 128, 130, 255, 256, time.Microsecond, time.Millisecond, time.Second, time.Hour, 1<<63 - 1} {
		i := bucket(d)
		assert.Greater(t, i, prev, "buckets grow with the value: %v", d)
		assert.Less(t, i, histBuckets, "%v", d)
		assert.InEpsilon(t, float64(max(d, 1)), float64(max(bucketValue(i), 1)), 1.0/64, "%v in bucket %d, worth %v", d, i, bucketValue(i))
		prev = i
	}
	assert.Zero(t, bucket(-time.Second), "negative clamps to 0")
}
