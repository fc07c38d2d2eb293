package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the command line, parsed.
type config struct {
	servers int    // how many app servers
	addr    string // the first one's host:port
	etcd    string // the embedded etcd's client host:port
	data    string // its data directory; "" for a temporary one
	prefix  string
}

// run parses args, runs the cluster until ctx is done and returns the
// exit code: 0 after a clean stop, 1 if it cannot start, 2 on bad flags.
// The instructions go to stdout, the log to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c config
	flags := flag.NewFlagSet("etcdcluster", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.IntVar(&c.servers, "servers", 3, "how many app servers to run (1 to 9)")
	flags.StringVar(&c.addr, "addr", "127.0.0.1:8091", "the first app server's `host:port`; the others take the ports after it; port 0 gives each a free port")
	flags.StringVar(&c.etcd, "etcd", "127.0.0.1:2379", "where the embedded etcd listens for clients, `host:port`; port 0 picks a free port")
	flags.StringVar(&c.data, "data", "", "etcd's data `directory`, kept for the next run (default: a temporary one, removed at exit)")
	flags.StringVar(&c.prefix, "etcd-prefix", etcdconn.DefaultPrefix, "etcd key `prefix` of the users' records, ending with '/'")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "etcdcluster: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return 2
	}
	if c.servers < 1 || c.servers > 9 {
		fmt.Fprintf(stderr, "etcdcluster: -servers %d: run 1 to 9\n", c.servers)
		return 2
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := runCluster(ctx, log, c, stdout); err != nil {
		log.Error("cluster failed", "err", err)
		return 1
	}
	return 0
}
