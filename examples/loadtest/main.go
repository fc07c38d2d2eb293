package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain parses the flags, runs the load test and returns the exit code:
// 0 if it passed, 1 if it failed or could not run, 2 on bad flags.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	rep, err := run(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// parseFlags returns the Config the flags describe. Errors are reported on
// stderr.
func parseFlags(args []string, stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	flags := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var start startFlag
	flags.StringVar(&cfg.URL, "url", "", "base `URL` of a running server, e.g. http://127.0.0.1:8080 (loopback only)")
	flags.StringVar(&cfg.Dir, "dir", "", "credentials `directory` of the -url server, for edits on disk")
	flags.Var(&start, "start", "build and start examples/<-framework> on 127.0.0.1:0 with a new directory;\n-start=PKG_OR_BINARY starts that instead")
	framework := flags.String("framework", "server", "example to -start: server or echo")
	flags.IntVar(&cfg.Clients, "clients", cfg.Clients, "concurrent clients in each phase")
	flags.IntVar(&cfg.Users, "users", cfg.Users, "users the clients act as")
	flags.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of each of the two phases")
	flags.Float64Var(&cfg.Churn, "churn", cfg.Churn, "changes per second during the protected phase")
	flags.DurationVar(&cfg.Settle, "settle", cfg.Settle, "time from a change's completion until answers for its user are judged")
	flags.Float64Var(&cfg.MinRatio, "min-ratio", 0, "fail unless protected/unprotected throughput reaches this (0: report only)")
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "loadtest: unexpected argument %q (write -start=PATH to name what to start)\n", flags.Arg(0))
		return cfg, errors.New("unexpected argument")
	}
	pkg, ok := examplePackages[*framework]
	if !ok {
		fmt.Fprintf(stderr, "loadtest: -framework %q: want server or echo\n", *framework)
		return cfg, errors.New("bad -framework")
	}
	if start.on {
		cfg.Start = start.target
		if cfg.Start == "" {
			cfg.Start = pkg
		}
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return cfg, err
	}
	return cfg, nil
}

// startFlag is -start: a boolean flag that may also name what to start,
// as -start=PATH.
type startFlag struct {
	on     bool
	target string
}

func (f *startFlag) String() string {
	if f == nil || !f.on {
		return "false"
	}
	if f.target == "" {
		return "true"
	}
	return f.target
}

func (f *startFlag) Set(s string) error {
	switch s {
	case "true":
		f.on, f.target = true, ""
	case "false", "":
		f.on, f.target = false, ""
	default:
		f.on, f.target = true, s
	}
	return nil
}

func (f *startFlag) IsBoolFlag() bool { return true }
