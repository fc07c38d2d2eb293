package main

import (
	"fmt"
	"sync"
)

// maxNotes bounds how many distinct messages a run keeps: the first ones
// tell what went wrong, the rest mostly repeat it.
const maxNotes = 10

// notes keeps the first distinct messages about what went wrong in a run,
// each with how often it came. It is safe for concurrent use. Messages
// never hold a token.
type notes struct {
	mu      sync.Mutex
	msgs    []string
	counts  map[string]int
	dropped int
}

// add formats a message and keeps it, or counts it if it came before.
func (n *notes) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.counts == nil {
		n.counts = map[string]int{}
	}
	switch _, seen := n.counts[msg]; {
	case seen:
		n.counts[msg]++
	case len(n.msgs) < maxNotes:
		n.msgs = append(n.msgs, msg)
		n.counts[msg] = 1
	default:
		n.dropped++
	}
}

// list returns the messages kept, with their counts, and how many others
// there were.
func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.msgs {
		if c := n.counts[m]; c > 1 {
			m = fmt.Sprintf("%s (×%d)", m, c)
		}
		out = append(out, m)
	}
	if n.dropped > 0 {
		out = append(out, fmt.Sprintf("… and %d other messages", n.dropped))
	}
	return out
}
