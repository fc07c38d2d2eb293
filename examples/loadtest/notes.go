package main

import (
	"fmt"
	"sync"
)

// maxNotes bounds how many messages a run keeps: the first ones tell what
// went wrong, the rest only repeat it.
const maxNotes = 10

// notes keeps the first messages about what went wrong in a run. It is
// safe for concurrent use. Messages never hold a token.
type notes struct {
	mu      sync.Mutex
	msgs    []string
	dropped int
}

// add formats a message and keeps it if there is room.
func (n *notes) add(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.msgs) == maxNotes {
		n.dropped++
		return
	}
	n.msgs = append(n.msgs, fmt.Sprintf(format, args...))
}

// list returns the messages kept, and how many more there were.
func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := append([]string(nil), n.msgs...)
	if n.dropped > 0 {
		out = append(out, fmt.Sprintf("… and %d more like these", n.dropped))
	}
	return out
}
