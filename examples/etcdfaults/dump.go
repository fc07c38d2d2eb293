//go:build unix

package main

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// dumpTop is how many kinds of goroutine a dump's summary names.
const dumpTop = 12

// goroutineHeader matches the first line of a goroutine in a Go
// program's dump, "goroutine 42 [select, 3 minutes]:" or, after a
// SIGQUIT, "goroutine 42 gp=0x… m=nil [select, 3 minutes]:".
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ [^\[]*\[([^,\]]+)`)

// dump makes the server write its goroutines and exit (SIGQUIT), and
// sums them up.
func (a *app) dump() string {
	_ = a.proc.signal(syscall.SIGCONT)
	a.proc.stop(syscall.SIGQUIT, appStopTimeout)
	var d dumpSummary
	if err := a.proc.lines(d.line); err != nil {
		return fmt.Sprintf("%s: no goroutine dump: %v", a.name(), err)
	}
	return fmt.Sprintf("%s, at %s: %s", a.name(), time.Now().Format(time.TimeOnly), d.String())
}

// A dumpSummary counts the goroutines of a dump by state and by the
// innermost function outside the runtime, fed one line at a time.
type dumpSummary struct {
	total  int
	counts map[string]int
	state  string // of the goroutine whose function is still to come
}

func (d *dumpSummary) line(line string) {
	if m := goroutineHeader.FindStringSubmatch(line); m != nil {
		d.state = m[1]
		d.total++
		return
	}
	if d.state == "" || line == "" || strings.HasPrefix(line, "\t") {
		return
	}
	fn, created := strings.CutPrefix(line, "created by ")
	if i := strings.LastIndexByte(fn, '('); i > 0 && !created {
		fn = fn[:i] // without the arguments
	}
	if created {
		fn, _, _ = strings.Cut(fn, " in goroutine ")
	}
	if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") {
		if created {
			d.state = "" // the runtime's own goroutine
		}
		return // the runtime's own waiting: the caller says more
	}
	if d.counts == nil {
		d.counts = map[string]int{}
	}
	d.counts[fmt.Sprintf("[%s] %s", d.state, fn)]++
	d.state = ""
}

// String names the most frequent kinds, dumpTop at most.
func (d *dumpSummary) String() string {
	kinds := slices.SortedFunc(maps.Keys(d.counts), func(x, y string) int {
		return cmp.Or(d.counts[y]-d.counts[x], strings.Compare(x, y))
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d goroutines, the most frequent:\n", d.total)
	for _, k := range kinds[:min(dumpTop, len(kinds))] {
		fmt.Fprintf(&b, "  %5d %s\n", d.counts[k], k)
	}
	return b.String()
}
