package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fixiecreds/fixiecreds/examples/internal/audit"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
)

// Exit codes, as the package comment documents them.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitFailed  = 3
)

const usageHead = `Usage: credsctl [-dir DIR | -etcd HOST:PORT,... [-etcd-prefix PREFIX]] COMMAND [ARGS]

Administers a fixie credentials directory, or the records in etcd.
Servers using them see the changes without a restart.

Commands:
  register [-expires D] USER EMAIL
                              register USER; print the new token on stdout;
                              with -expires (such as 720h), it stops working
                              after D
  verify [-token TOKEN] USER  check USER's token, read from stdin unless -token
  reset [-expires D] [-keep-previous D] USER EMAIL
                              issue USER a new token if EMAIL is the registered
                              one; print it on stdout; the old token stops working,
                              or after D with -keep-previous (such as 24h)
  deregister USER             remove USER's record without their token (an admin
                              removal: cache.RemoveUser)
  list                        print the registered users, one per line, each
                              followed by a tab and its expiries if it has any
  show USER                   print USER's record: email, the stored hash, and
                              the expiries
  import DIR                  copy every record of the directory DIR here (into
                              etcd, with -etcd); never overwrite a different one
  export DIR                  copy every record from here (from etcd, with -etcd)
                              into DIR; never overwrite a different one

A new token is printed once, alone on stdout, and is not kept anywhere.
Only register and import create a directory, and only the default one:
a -dir must name a directory that exists.

Flags, before or after the command (-- ends them, for a name that
starts with '-'):
  -audit-log FILE      append a JSON line to FILE (created 0600) for each
                       register, reset and deregister, accepted or refused
  -etcd HOST:PORT,...  work on etcd instead of a directory: the endpoints
                       of its members
  -etcd-prefix PREFIX  the records' key prefix on etcd, ending with '/'
                       (default /fixiecreds/users/)
  -dir DIR  credentials directory; by default $FIXIE_CREDS_DIR, else
            $FIXIE_DATA_DIR/creds, else $XDG_DATA_HOME/fixie/creds,
            else ~/.local/share/fixie/creds
`

const usageTail = `
Exit status: 0 done; 1 refused (token refused, user not registered or
already registered, email does not match, a record not copied); 2 usage;
3 failure (I/O, etcd out of reach, no such directory, or the audit log
could not be written).
`

// hint follows the message of a mistake on the command line.
const hint = "run credsctl -h for usage"

// usage returns the help text, with the directory the defaults give now.
func usage() string {
	now := ""
	if dir, from, err := credsdir.Default(); err == nil {
		now = "            (now " + dir + ", from " + from + ")\n"
	}
	return usageHead + now + usageTail
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// call is one command line, parsed.
type call struct {
	recs    *records      // where the records are
	args    []string      // the command's arguments
	token   string        // verify's -token
	expires time.Duration // register's and reset's -expires; 0: none
	keep    time.Duration // reset's -keep-previous; 0: none
	audit   *audit.Log    // the -audit-log, or nil
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// run runs the command line args and returns the exit code. No hidden
// character reaches stdout or stderr raw (see plainWriter).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdout, stderr = plainWriter{stdout}, plainWriter{stderr}
	flags := flag.NewFlagSet("credsctl", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {} // -h prints usage(); a mistake, only the hint
	dir := flags.String("dir", "", "credentials directory")
	auditLog := flags.String("audit-log", "", "audit log file")
	where := addStoreFlags(flags)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage())
			return exitOK
		}
		fmt.Fprintln(stderr, hint)
		return exitUsage
	}
	if flags.NArg() == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	name := flags.Arg(0)
	if name == "help" {
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "credsctl: unknown command %q\n%s\n", name, hint)
		return exitUsage
	}

	c := call{stdin: stdin, stdout: stdout, stderr: stderr}
	sub := flag.NewFlagSet(name, flag.ContinueOnError)
	sub.SetOutput(stderr)
	sub.Usage = func() { fmt.Fprintf(stderr, "Usage: credsctl [-dir DIR] %s\n", cmd.usage) }
	sub.StringVar(dir, "dir", *dir, "credentials directory")
	sub.StringVar(auditLog, "audit-log", *auditLog, "audit log file")
	where.addTo(sub)
	if cmd.takesToken {
		sub.StringVar(&c.token, "token", "", "the token to verify (default: read from stdin)")
	}
	if cmd.expires {
		sub.DurationVar(&c.expires, "expires", 0, "the new token stops working after `duration`, such as 720h")
	}
	if cmd.keep {
		sub.DurationVar(&c.keep, "keep-previous", 0, "the replaced token keeps working for `duration`, such as 24h")
	}
	var err error
	if c.args, err = parseInterleaved(sub, flags.Args()[1:]); err != nil {
		return helpOrUsage(err)
	}
	var short []string
	sub.Visit(func(f *flag.Flag) {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d < time.Second {
			short = append(short, fmt.Sprintf("-%s %v", f.Name, d))
		}
	})
	if len(short) > 0 {
		fmt.Fprintf(stderr, "credsctl: %s: want at least 1s\n", strings.Join(short, ", "))
		return exitUsage
	}
	if len(c.args) != cmd.nargs {
		fmt.Fprintf(stderr, "credsctl: %s takes %d argument(s), got %d\n", name, cmd.nargs, len(c.args))
		sub.Usage()
		return exitUsage
	}

	if *auditLog != "" && cmd.audited {
		if c.audit, err = audit.Open(*auditLog); err != nil {
			return report(stderr, err)
		}
		defer c.audit.Close()
	}
	recs, err := where.open(*dir, cmd.creates)
	if err != nil {
		return report(stderr, err)
	}
	defer recs.close()
	c.recs = recs
	return report(stderr, cmd.run(recs.creds, c))
}

// parseInterleaved parses args with flags, which may come before, between
// or after the arguments, as in "register gina g@x -dir D", and returns
// the arguments. Everything after "--" is an argument.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		left := flags.Args()
		if len(left) < len(args) && args[len(args)-len(left)-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// helpOrUsage returns the exit code for a flag parsing error, which the
// flag package has already reported.
func helpOrUsage(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
