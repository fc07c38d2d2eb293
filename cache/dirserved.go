package cache

import (
	"sync"

	"github.com/fixiecreds/fixiecreds/cache/internal/fsys"
)

// servedSet holds the records that the directory store served as
// trusted (not PollOnly) while a watch of it runs, each with its file's
// stamp, so that the watch's sweep can stat them again: a hard link made
// later from outside the directory lets a record be rewritten in place
// with no event in the directory. The sweep stats at most sweepRate
// records a second. The set holds at most max records (past that, the
// store serves records as PollOnly) and forgets a record the cache no
// longer holds once the sweep has found it so twice in a row.
type servedSet struct {
	mu    sync.Mutex
	max   int
	index map[string]int // user → position in list
	list  []servedRecord // removed ones have user ""; compacted at each wrap
	live  int
	seq   uint64 // numbers each add, so that a removal spares a newer add

	// The sweep goes over the list in passes, a share at a time.
	next  int // where the sweep goes on in list
	step  int // steps taken in this pass
	steps int // steps this pass takes
	share int // records per step in this pass
}

// servedRecord is one record of a servedSet.
type servedRecord struct {
	user   string
	stamp  fsys.Stamp
	seq    uint64
	missed bool // the last sweep found it no longer cached
}

func newServedSet(max int) *servedSet {
	return &servedSet{max: max, index: make(map[string]int)}
}

// add records that user's record was served with stamp, and reports
// false if the set is full. user is kept, not copied: the cache hands the
// store its own copy of a name, which its entry shares.
func (s *servedSet) add(user string, stamp fsys.Stamp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if i, ok := s.index[user]; ok {
		s.list[i] = servedRecord{user: s.list[i].user, stamp: stamp, seq: s.seq}
		return true
	}
	if s.live >= s.max {
		return false
	}
	s.index[user] = len(s.list)
	s.list = append(s.list, servedRecord{user: user, stamp: stamp, seq: s.seq})
	s.live++
	return true
}

// batch appends to dst the records for the next step of the sweep and
// returns it. A pass over the set takes steps calls, or more if that
// would take more than limit records a call; the last call of a pass
// takes the records added during it too.
func (s *servedSet) batch(dst []servedRecord, steps, limit int) []servedRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step == 0 {
		s.compact()
		s.next = 0
		s.share = min((len(s.list)+steps-1)/steps, limit)
		s.steps = max(steps, (len(s.list)+limit-1)/limit)
	}
	end := min(s.next+s.share, len(s.list))
	if s.step++; s.step >= s.steps {
		s.step, end = 0, min(s.next+limit, len(s.list))
	}
	for _, r := range s.list[s.next:end] {
		if r.user != "" {
			dst = append(dst, r)
		}
	}
	s.next = end
	return dst
}

// remove forgets r's user, unless its record was served again since r
// was taken from the set.
func (s *servedSet) remove(r servedRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.current(r); ok {
		delete(s.index, r.user)
		s.list[i] = servedRecord{}
		s.live--
	}
}

// miss marks r as found no longer cached, unless its record was served
// again since r was taken from the set.
func (s *servedSet) miss(r servedRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.current(r); ok {
		s.list[i].missed = true
	}
}

// current returns where r is in the list, if it is still there as it
// was taken.
func (s *servedSet) current(r servedRecord) (int, bool) {
	i, ok := s.index[r.user]
	return i, ok && s.list[i].seq == r.seq
}

// compact drops the removed records from the list.
func (s *servedSet) compact() {
	if s.live == len(s.list) {
		return
	}
	kept := s.list[:0]
	for _, r := range s.list {
		if r.user != "" {
			s.index[r.user] = len(kept)
			kept = append(kept, r)
		}
	}
	clear(s.list[len(kept):])
	s.list = kept
}

// size returns how many records the set holds.
func (s *servedSet) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}
