package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// goRun is one go test invocation of benchmarks, and the benchstat views
// of its output that the README shows.
type goRun struct {
	name      string // names the raw output file
	title     string // heads its tables
	pkg       string // relative to the repository root
	bench     string // -bench pattern
	benchtime string // -benchtime, if not the default
	count     int    // runs, if not config.count
	views     []view // benchstat views; none: one plain table
}

// view is one benchstat invocation: the README's claim it checks and
// the flags that show it.
type view struct {
	claim string
	flags []string
}

// goRuns are the Go benchmarks behind the README's tables.
func goRuns() []goRun {
	return []goRun{
		{
			name: "hotpath", title: "Verify of what is cached, against the floor", pkg: "./cache/",
			bench: "^BenchmarkHotPath$",
			views: []view{
				{"every op against the floor (goal: verify ≤ 1.2×)", []string{"-col", "/op"}},
				{"on every core against one (goal: ≤ 0.6×)", []string{"-filter", "/op:(verify OR verify-parallel)", "-col", "/op"}},
				{"an unknown name against a wrong token (goal: ±10 %)", []string{"-filter", "/op:(wrong-token OR unknown-name)", "-col", "/op"}},
			},
		},
		{
			name: "coldpath", title: "First reads, and opening 100,000 users", pkg: "./cache/",
			bench: "^Benchmark(VerifyCold|VerifyColdUnknown|Open100k)$",
		},
		{
			name: "memory", title: "Memory: a cached user with the longest name and email, a million unknown names", pkg: "./cache/",
			bench: "^Benchmark(MemoryPerUser|UnknownFlood)$", benchtime: "1x", count: 3,
		},
		{
			name: "invalidation", title: "Invalidation after another process renames a record", pkg: "./cache/",
			bench: "^BenchmarkInvalidationLatency$", benchtime: "300x", count: 3,
		},
		{
			name: "nethttp", title: "net/http: a request through middleware.Auth", pkg: "./middleware/",
			bench: "^BenchmarkAuth$",
			views: []view{{"against the unprotected route", []string{"-col", "/route"}}},
		},
		{
			name: "echo", title: "Echo: echomw.Auth against KeyAuth doing the same job", pkg: "./middleware/echomw/",
			bench: "^BenchmarkAuth$",
			views: []view{
				{"echomw against KeyAuth handing the user on in the request context (goal: ≤ 1.0×)", []string{"-filter", "/mw:(keyauth-with-user OR echomw)", "-col", "/mw"}},
				{"every variant, for information", []string{"-col", "/mw"}},
			},
		},
		{
			name: "etcd", title: "The etcd store", pkg: "./cache/etcdstore/",
			bench: ".",
			views: []view{
				{"cached Verify, etcd against the directory (goal: ≤ 1.05×)", []string{"-filter", ".name:VerifyCached", "-col", "/store"}},
				{"a first read against etcd's own Get", []string{"-filter", ".name:ColdVerify", "-col", "/op"}},
				{"propagation and registration", []string{"-filter", ".name:(Propagation OR Register)"}},
			},
		},
	}
}

// goBenchmarks runs every goRun and prints its benchstat views.
func goBenchmarks(cfg config, w io.Writer) error {
	for _, r := range goRuns() {
		raw := filepath.Join(cfg.out, r.name+".txt")
		count := r.count
		if count == 0 {
			count = cfg.count
		}
		args := []string{"test", "-run", "^$", "-bench", r.bench, "-benchmem", "-count", strconv.Itoa(count)}
		if r.benchtime != "" {
			args = append(args, "-benchtime", r.benchtime)
		}
		args = append(args, r.pkg)
		fmt.Fprintf(w, "\n## %s\n\n    go %s\n", r.title, shellJoin(args))
		if err := goTest(cfg, args, raw); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		views := r.views
		if len(views) == 0 {
			views = []view{{}}
		}
		for _, v := range views {
			if v.claim != "" {
				fmt.Fprintf(w, "\n%s:\n", v.claim)
			}
			out, err := benchstatOut(cfg, append(v.flags, raw))
			if err != nil {
				return fmt.Errorf("%s: benchstat: %w", r.name, err)
			}
			fmt.Fprintf(w, "\n```\n%s```\n", out)
		}
	}
	return nil
}

// goTest runs go test with args from the repository root, its output to
// raw.
func goTest(cfg config, args []string, raw string) error {
	f, err := os.Create(raw)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(cfg.goCmd, args...)
	cmd.Dir = cfg.root
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test failed (output in %s): %w", raw, err)
	}
	return nil
}

// benchstatOut runs benchstat with args and returns what it prints.
func benchstatOut(cfg config, args []string) ([]byte, error) {
	cmd := exec.Command(cfg.goCmd, append([]string{"run", benchstat}, args...)...)
	cmd.Dir = cfg.root
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

// shellJoin quotes args for a shell where they need it.
func shellJoin(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		if a == "" || strings.ContainsAny(a, " ^$|()*?'\"\\") {
			a = "'" + a + "'"
		}
		s += a
	}
	return s
}
