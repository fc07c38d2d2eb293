package httpapi

import (
	"sync"
	"time"
)

// recountEvery is how long a count of the store's users is trusted,
// give or take the changes the handler made itself: other processes
// (credsctl, other servers) change the store too.
const recountEvery = time.Minute

// userCap caps the number of users registered through the handler. It
// counts the store's users by listing them, at most once per
// recountEvery, and in between adds the registrations it lets through
// and subtracts the deregistrations it sees. A registration in progress
// holds a place, so that concurrent ones cannot go past the cap together.
type userCap struct {
	max  int
	list func() ([]string, error)

	mu      sync.Mutex
	n       int       // users in the store, as far as known
	counted time.Time // when n was last counted; zero: never
}

// reserve takes a place for a registration at now, and reports false if
// the cap is reached. An error means the store could not be listed. A
// nil cap takes places without counting.
func (c *userCap) reserve(now time.Time) (bool, error) {
	if c == nil {
		return true, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counted.IsZero() || now.Sub(c.counted) >= recountEvery {
		users, err := c.list()
		if err != nil {
			return false, err
		}
		c.n, c.counted = len(users), now
	}
	if c.n >= c.max {
		return false, nil
	}
	c.n++
	return true, nil
}

// release gives back a place that a registration took and did not use.
func (c *userCap) release() { c.add(-1) }

// removed counts a user that the handler deregistered.
func (c *userCap) removed() { c.add(-1) }

func (c *userCap) add(d int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = max(c.n+d, 0)
}
