//go:build unix

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
	"time"
)

func main() {
	stopWithParent()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain parses the flags, runs the faults and returns the exit code: 0
// if every answer was right and every server recovered with bounded
// goroutines and descriptors, 1 otherwise or if the run could not be
// carried out, 2 on bad flags.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	rep, err := run(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "etcdfaults:", err)
		return 1
	}
	if rep.failed() {
		return 1
	}
	return 0
}

// parseFlags returns the config the flags describe. Errors are reported
// on stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{
		Members: 3, Apps: 3, Users: 200,
		Load:       loadConfig{Rate: 300, RevokedShare: 0.3, Resets: 4},
		Hold:       2 * time.Second,
		PauseUsers: 10,
		// An idle server holds about 30 goroutines, a few less while a
		// member's connection is being made again; a leak of a watch
		// stream per reconnection passes this within seconds of outage.
		GoroutineSlack: 12,
		FDSlack:        10,
		Timeout:        4 * time.Minute,
	}
	flags := flag.NewFlagSet("etcdfaults", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.IntVar(&cfg.Users, "users", cfg.Users, "users the load acts as")
	flags.Float64Var(&cfg.Load.Rate, "rate", cfg.Load.Rate, "verifies per second, over all servers")
	flags.Float64Var(&cfg.Load.RevokedShare, "revoked", cfg.Load.RevokedShare, "share of the verifies that present a revoked token")
	flags.Float64Var(&cfg.Load.Resets, "resets", cfg.Load.Resets, "resets per second, each through a random server")
	flags.DurationVar(&cfg.Hold, "hold", cfg.Hold, "how long each fault lasts (a full stop twice as long)")
	flags.IntVar(&cfg.PauseUsers, "pause-users", cfg.PauseUsers, "users reset while a server is stopped, their old and new tokens queued on it")
	flags.IntVar(&cfg.GoroutineSlack, "goroutine-slack", cfg.GoroutineSlack, "goroutines a server may hold after a fault beyond its count after the steady load")
	flags.IntVar(&cfg.FDSlack, "fd-slack", cfg.FDSlack, "descriptors likewise")
	flags.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "bound on the whole run, builds included")
	flags.BoolVar(&cfg.Keep, "keep", false, "keep the members' and servers' logs and data, and say where")
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "etcdfaults: unexpected argument %q\n", flags.Arg(0))
		return cfg, errors.New("unexpected argument")
	}
	var err error
	switch {
	case cfg.Users < cfg.PauseUsers+1 || cfg.PauseUsers < 1:
		err = errors.New("-users must exceed -pause-users, which must be 1 or more")
	case cfg.Load.Rate <= 0 || cfg.Load.Resets < 0 || cfg.Load.RevokedShare < 0 || cfg.Load.RevokedShare > 1:
		err = errors.New("-rate must be positive, -resets not negative, -revoked from 0 to 1")
	case cfg.Hold <= 0 || cfg.Timeout <= 0:
		err = errors.New("-hold and -timeout must be positive")
	}
	if err != nil {
		fmt.Fprintln(stderr, "etcdfaults:", err)
	}
	return cfg, err
}
