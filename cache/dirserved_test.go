package cache

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/internal/fsys"
)

// TestServedSetPasses shows that a pass of the sweep takes exactly its
// steps, and visits every record once, those added during the pass
// included; and that a record served again is spared by a removal taken
// before.
func TestServedSetPasses(t *testing.T) {
	const steps = 4
	s := newServedSet(100)
	for i := range 10 {
		require.True(t, s.add(fmt.Sprintf("u%d", i), fsys.Stamp{Size: 1}))
	}
	visits := map[string]int{}
	var batch []servedRecord
	for step := range steps {
		if step == 2 {
			s.add("late", fsys.Stamp{Size: 1})
		}
		batch = s.batch(batch[:0], steps, 100)
		for _, r := range batch {
			visits[r.user]++
		}
	}
	assert.Len(t, visits, 11)
	for user, n := range visits {
		assert.Equal(t, 1, n, user)
	}

	batch = s.batch(batch[:0], steps, 100) // the next pass
	require.NotEmpty(t, batch)
	r := batch[0]
	s.add(r.user, fsys.Stamp{Size: 2}) // served again meanwhile
	s.remove(r)
	assert.Equal(t, 11, s.size(), "a record served again is kept")
	s.remove(batch[1])
	assert.Equal(t, 10, s.size())
}

// TestServedSetLimit: however many records, a step checks at most its
// limit, and a pass still visits every record once.
func TestServedSetLimit(t *testing.T) {
	const n, steps, limit = 1000, 10, 7
	s := newServedSet(n)
	for i := range n {
		require.True(t, s.add(fmt.Sprintf("u%d", i), fsys.Stamp{Size: 1}))
	}
	visits := map[string]int{}
	var batch []servedRecord
	for range (n + limit - 1) / limit {
		batch = s.batch(batch[:0], steps, limit)
		require.LessOrEqual(t, len(batch), limit)
		for _, r := range batch {
			visits[r.user]++
		}
	}
	require.Len(t, visits, n, "records visited in the steps of one pass")
	for user, k := range visits {
		assert.Equal(t, 1, k, user)
	}
}

func TestServedSetBound(t *testing.T) {
	s := newServedSet(2)
	assert.True(t, s.add("a", fsys.Stamp{}))
	assert.True(t, s.add("b", fsys.Stamp{}))
	assert.False(t, s.add("c", fsys.Stamp{}), "full")
	assert.True(t, s.add("a", fsys.Stamp{Size: 1}), "known: updated")
	assert.Equal(t, 2, s.size())
}
