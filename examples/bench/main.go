// Command bench reproduces the README's benchmark tables: the Go
// benchmarks of the hot path, the cold path and the middleware, compared
// through benchstat in one run each, and, when wrk is installed, load on
// the example servers in interleaved rounds against the public /healthz
// and the hand-rolled peer in examples/bench/peer.
//
// Run it from anywhere in the repository, on an otherwise idle machine:
//
//	go run ./examples/bench                  # everything, about 20 minutes
//	go run ./examples/bench -wrk=false       # Go benchmarks only
//	go run ./examples/bench -go=false -rounds 2 -duration 3s
//
// Raw outputs land in -out (a new temporary directory by default), so
// that benchstat can be run on them again.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// benchstat is the version of benchstat that compares the runs.
const benchstat = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

func main() {
	var cfg config
	flag.BoolVar(&cfg.goBench, "go", true, "run the Go benchmarks")
	flag.BoolVar(&cfg.wrk, "wrk", true, "load the example servers with wrk, if it is installed")
	flag.IntVar(&cfg.count, "count", 10, "runs of each Go benchmark, for benchstat")
	flag.IntVar(&cfg.rounds, "rounds", 8, "interleaved wrk rounds over every target")
	flag.DurationVar(&cfg.duration, "duration", 6*time.Second, "length of each wrk run")
	flag.IntVar(&cfg.conns, "c", 32, "wrk connections")
	flag.StringVar(&cfg.out, "out", "", "`directory` for the raw outputs (default a new temporary one)")
	flag.Parse()
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	goBench, wrk   bool
	count, rounds  int
	conns          int
	duration       time.Duration
	out, root      string
	goCmd, wrkPath string
}

func run(cfg config, w io.Writer) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cfg.root = root
	if cfg.goCmd, err = exec.LookPath("go"); err != nil {
		return err
	}
	if cfg.out == "" {
		if cfg.out, err = os.MkdirTemp("", "fixiecreds-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(w, "# fixiecreds benchmarks\n\nRaw outputs in %s\n", cfg.out)
	if cfg.goBench {
		if err := goBenchmarks(cfg, w); err != nil {
			return err
		}
	}
	if cfg.wrk {
		path, err := exec.LookPath("wrk")
		if err != nil {
			fmt.Fprintln(w, "\nwrk is not installed (apt-get install wrk): no load rounds.")
			return nil
		}
		cfg.wrkPath = path
		return wrkRounds(cfg, w)
	}
	return nil
}

// repoRoot returns the directory holding go.work.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK: %w", err)
	}
	work := strings.TrimSpace(string(out))
	if work == "" || work == "off" {
		return "", fmt.Errorf("run it inside the fixiecreds repository (no go.work found)")
	}
	return filepath.Dir(work), nil
}
