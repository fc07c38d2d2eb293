package main

import (
	"crypto/sha256"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProcCPU(t *testing.T) {
	t.Parallel()
	before, ok := procCPU(0)
	if runtime.GOOS != "linux" {
		assert.False(t, ok, "no /proc off Linux")
		return
	}
	require.True(t, ok)
	self, ok := procCPU(os.Getpid())
	require.True(t, ok)
	assert.GreaterOrEqual(t, self, before)

	// Burn CPU until the clock ticks.
	sum := sha256.Sum256(nil)
	require.Eventually(t, func() bool {
		for range 10000 {
			sum = sha256.Sum256(sum[:])
		}
		after, _ := procCPU(0)
		return after > before
	}, 10*time.Second, time.Millisecond, "the CPU time grows with work")
}
