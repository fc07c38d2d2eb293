package cache

import (
	"context"
	"slices"
	"time"
)

// The memo also knows, shard by shard, the hashes of every name that may
// have a record: a superset of the registered names, listed from the
// store and kept so by the feed (a change adds its name; a read that
// finds no record removes it). While the feed is trusted, a name whose
// hash is not there has no record, and Verify says so without reading the
// store or caching anything: an unknown name costs what a cached user
// costs, and a flood of fresh names reads nothing and evicts nothing, so
// that no warm name, registered or not, turns slow and tells which it is.
// A shard's set is nil until listed, and again whenever the feed may have
// missed a change (ChangedAll, a feed that stops reporting); the names of
// such a shard go through the store and the unknown table as before.

// nameSet is an immutable sorted list of name hashes.
type nameSet []uint64

func (s *nameSet) has(h uint64) bool {
	_, ok := slices.BinarySearch(*s, h)
	return ok
}

// withName returns a copy of s with h, or s itself if h is there.
func (s *nameSet) withName(h uint64) *nameSet {
	i, ok := slices.BinarySearch(*s, h)
	if ok {
		return s
	}
	t := slices.Insert(slices.Clone(*s), i, h)
	return &t
}

// maxListedNames bounds the names the memo lists: 8 bytes each.
const maxListedNames = 4 << 20

// relistSoon asks the cache's lister to list the store's names again.
func (m *memo) relistSoon() {
	select {
	case m.relist <- struct{}{}:
	default:
	}
}

// dropNames forgets every shard's set, until listed again.
func (m *memo) dropNames() {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		sh.names.Store(nil)
		sh.mu.Unlock()
	}
}

// listNames lists the store's names and gives each shard whose set is
// unknown the set of its names, unless a change was reported in the shard
// meanwhile. It reports whether every shard has its set.
func (m *memo) listNames(ctx context.Context, s Store) bool {
	gens := make([]uint64, len(m.shards))
	for i := range m.shards {
		gens[i] = m.shards[i].gen.Load()
	}
	names, err := s.List(ctx)
	if err != nil || len(names) > maxListedNames || !m.trusted.Load() {
		return false
	}
	sets := make([]nameSet, len(m.shards))
	for _, name := range names {
		if checkUser(name) == nil {
			h, _ := m.locate(name)
			sets[h&m.mask] = append(sets[h&m.mask], h)
		}
	}
	all := true
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		switch {
		case sh.names.Load() != nil:
		case sh.gen.Load() == gens[i] && m.trusted.Load():
			set := sets[i]
			slices.Sort(set)
			set = slices.Compact(set)
			sh.names.Store(&set)
		default:
			all = false
		}
		sh.mu.Unlock()
	}
	return all
}

// lister keeps the shards' name sets listed while the feed reports, until
// ctx ends: it lists when asked (see relistSoon), and again while some
// shard's set is missing (a change came during the listing), after ten
// times what the listing took, at least the trust window and at most the
// poll interval, so that listing takes at most a tenth of its time.
func (m *memo) lister(ctx context.Context, s Store) {
	retry := time.NewTimer(m.poll)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.relist:
		case <-retry.C:
		}
		if !m.trusted.Load() {
			continue
		}
		start := time.Now()
		listCtx, cancel := context.WithTimeout(ctx, m.poll)
		complete := m.listNames(listCtx, s)
		cancel()
		if complete {
			retry.Stop()
		} else {
			retry.Reset(min(max(10*time.Since(start), m.window), m.poll))
		}
	}
}
