//go:build unix

package main

import (
	"fmt"
	"io"
	"strings"
)

// A report is what a run saw, and what it found wrong.
type report struct {
	cfg      config
	apps     int
	baseline []usage // each server's, once quiet after the steady load
	results  []*result
	tallies  []tally // the steady load's, then each fault's
	wrong    []wrongAnswer
	problems []string
	leaky    map[int]bool // servers whose goroutines or descriptors grew
	dumps    []string     // their goroutines, summed up
}

// fail records a problem: the run fails.
func (rep *report) fail(format string, args ...any) {
	rep.problems = append(rep.problems, fmt.Sprintf(format, args...))
}

// within reports whether server i's usage u is within the slack of its
// baseline.
func (rep *report) within(i int, u usage) bool {
	b := rep.baseline[i]
	return u.goroutines <= b.goroutines+rep.cfg.GoroutineSlack && u.fds <= b.fds+rep.cfg.FDSlack
}

// failed reports whether the run found anything wrong.
func (rep *report) failed() bool {
	return len(rep.problems) > 0 || rep.wrongCount() > 0
}

func (rep *report) wrongCount() int {
	n := 0
	for _, t := range rep.tallies {
		n += t.counts[wrongAccept] + t.counts[wrongRefuse]
	}
	return n
}

// write writes the report as Markdown tables.
func (rep *report) write(w io.Writer) {
	names := []string{"none (steady load)"}
	for _, r := range rep.results {
		names = append(names, r.name)
	}

	fmt.Fprintf(w, "\n%d etcd members, %d servers; load %.0f verifies/s (%.0f %% revoked tokens), %.1f resets/s; faults held %s\n\n",
		rep.cfg.Members, rep.apps, rep.cfg.Load.Rate, 100*rep.cfg.Load.RevokedShare, rep.cfg.Load.Resets, rep.cfg.Hold)
	fmt.Fprintln(w, "| fault | 200 | 401 | 500 | no answer | wrong | in window | changing | resets ok / unknown | slowest 500 | slowest /healthz |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for i, t := range rep.tallies {
		if i >= len(names) {
			break
		}
		slowest := "–"
		if t.counts[failed] > 0 {
			slowest = fmt.Sprint(ms(t.failMax))
		}
		late := "0"
		if n := t.counts[acceptedLate] + t.counts[refusedLate]; n > 0 {
			late = fmt.Sprintf("%d (≤ %s)", n, ms(t.lateMax))
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %s | %d | %d / %d | %s | %s |\n", names[i],
			t.counts[accepted], t.counts[refused], t.counts[failed], t.counts[transport],
			t.counts[wrongAccept]+t.counts[wrongRefuse], late, t.unjudged, t.acked, t.unacked, slowest, ms(t.healthz))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "| fault | etcd answered | served again: "+strings.Join(rep.appNames(), ", ")+" | longest without a correct 200 |")
	fmt.Fprintln(w, "|---|--:|--:|--:|")
	for _, r := range rep.results {
		if r.recovered == nil {
			continue
		}
		var back, gaps []string
		for i, d := range r.recovered {
			s := "never"
			if d >= 0 {
				s = fmt.Sprint(ms(d))
			}
			back = append(back, s)
			gaps = append(gaps, fmt.Sprint(ms(r.gaps[i])))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.name, ms(r.etcdBack.Sub(r.end)), strings.Join(back, ", "), strings.Join(gaps, ", "))
	}
	fmt.Fprintln(w, "\nTimes are from the repair (a member started again, SIGCONT); \"longest without\" spans the fault and the recovery.")

	fmt.Fprintln(w)
	for _, r := range rep.results {
		for _, n := range r.notes {
			fmt.Fprintf(w, "- %s: %s\n", r.name, n)
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "| goroutines / descriptors, load quiet | "+strings.Join(rep.appNames(), " | ")+" |")
	fmt.Fprintln(w, "|---|"+strings.Repeat("--:|", rep.apps))
	if rep.baseline != nil {
		fmt.Fprintf(w, "| after the steady load | %s |\n", usageText(rep.baseline))
	}
	for _, r := range rep.results {
		if r.usage != nil {
			fmt.Fprintf(w, "| after %s | %s |\n", r.name, usageText(r.usage))
		}
	}

	for _, wa := range rep.wrong {
		fmt.Fprintf(w, "\nWRONG: %s from app%d for %s in %q, answered after %s", wa.verdict, wa.server+1, wa.user, names[wa.phase], ms(wa.took))
		if wa.verdict == wrongAccept {
			fmt.Fprintf(w, ", sent %s after the reset was acknowledged", ms(wa.late))
		}
	}
	for _, d := range rep.dumps {
		fmt.Fprintf(w, "\n%s", d)
	}
	for _, p := range rep.problems {
		fmt.Fprintf(w, "\nFAIL: %s", p)
	}
	if n := rep.wrongCount(); n > 0 {
		fmt.Fprintf(w, "\nFAIL: %d wrong answers", n)
	}
	fmt.Fprintln(w)
}

func (rep *report) appNames() []string {
	var names []string
	for i := range rep.apps {
		names = append(names, fmt.Sprintf("app%d", i+1))
	}
	return names
}

func usageText(us []usage) string {
	var parts []string
	for _, u := range us {
		parts = append(parts, fmt.Sprintf("%d / %d", u.goroutines, u.fds))
	}
	return strings.Join(parts, " | ")
}
