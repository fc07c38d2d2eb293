package main

import (
	"fmt"
	"sync"
)

// maxNotes bounds how many distinct messages a run keeps: the first ones
// tell what went wrong, the rest mostly repeat it.
const maxNotes = 10

// notes keeps the first distinct messages about what went wrong in a run,
// each with how often it came and the user it first came for. It is safe
// for concurrent use. Messages never hold a token.
type notes struct {
	mu      sync.Mutex
	msgs    []string
	seen    map[string]*note
	dropped int
}

type note struct {
	count int
	first string // the user it first came for, if any
}

// add keeps msg, which happened to user ("" if none), or counts it if it
// came before.
func (n *notes) add(msg, user string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]*note{}
	}
	switch nt := n.seen[msg]; {
	case nt != nil:
		nt.count++
	case len(n.msgs) < maxNotes:
		n.msgs = append(n.msgs, msg)
		n.seen[msg] = &note{count: 1, first: user}
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
		nt := n.seen[m]
		switch {
		case nt.count > 1 && nt.first != "":
			m = fmt.Sprintf("%s (×%d, first as %s)", m, nt.count, nt.first)
		case nt.count > 1:
			m = fmt.Sprintf("%s (×%d)", m, nt.count)
		case nt.first != "":
			m = fmt.Sprintf("%s (as %s)", m, nt.first)
		}
		out = append(out, m)
	}
	if n.dropped > 0 {
		out = append(out, fmt.Sprintf("… and %d other messages", n.dropped))
	}
	return out
}
