package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// command is one of credsctl's commands.
type command struct {
	usage      string // its arguments, for usage messages
	nargs      int    // how many arguments it takes
	takesToken bool   // whether it has the -token flag
	expires    bool   // whether it has the -expires flag
	keep       bool   // whether it has the -keep-previous flag
	audited    bool   // whether it writes to the -audit-log
	creates    bool   // whether it adds records, and so may create the default directory
	run        func(creds *cache.Cache, c call) error
}

var commands = map[string]command{
	"register":   {usage: "register [-expires D] USER EMAIL", nargs: 2, expires: true, audited: true, creates: true, run: register},
	"verify":     {usage: "verify [-token TOKEN] USER", nargs: 1, takesToken: true, run: verify},
	"reset":      {usage: "reset [-expires D] [-keep-previous D] USER EMAIL", nargs: 2, expires: true, keep: true, audited: true, run: reset},
	"deregister": {usage: "deregister USER", nargs: 1, audited: true, run: deregister},
	"list":       {usage: "list", nargs: 0, run: list},
	"show":       {usage: "show USER", nargs: 1, run: show},
	"import":     {usage: "import DIR", nargs: 1, creates: true, run: importDir},
	"export":     {usage: "export DIR", nargs: 1, run: exportDir},
}

func register(creds *cache.Cache, c call) error {
	user, email := c.args[0], c.args[1]
	var issued cache.User
	token, err := creds.Register(user, email, c.tokenOptions(&issued)...)
	if err := c.record(httpapi.AuditRegister, user, err, issued); err != nil {
		return err
	}
	if err != nil {
		return explain(err, user, email)
	}
	what := fmt.Sprintf("Registered %s <%s>.", shown(user), shown(email))
	if !issued.Expires.IsZero() {
		what += " The token expires " + stamp(issued.Expires) + "."
	}
	return printToken(c, token, what)
}

// tokenOptions returns the options of a new token that the command line
// sets, and one that sets *issued to the record written.
func (c call) tokenOptions(issued *cache.User) []cache.TokenOption {
	opts := []cache.TokenOption{cache.Issued(issued)}
	if c.expires != 0 {
		opts = append(opts, cache.ExpiresAfter(c.expires))
	}
	if c.keep != 0 {
		opts = append(opts, cache.KeepPrevious(c.keep))
	}
	return opts
}

// record appends the event of op on user, which returned err and, if it
// issued a token, wrote issued, to the -audit-log, if any; an error if it
// could not, which the command then reports in place of its outcome, as
// the service answers 500. Nothing is recorded of an operation that could
// not complete.
func (c call) record(op, user string, err error, issued cache.User) error {
	if c.audit == nil {
		return nil
	}
	e, ok := httpapi.NewAuditEvent(time.Now(), op, user, err, issued)
	if !ok {
		return nil
	}
	if werr := c.audit.Record(context.Background(), e); werr != nil {
		msg := fmt.Sprintf("%s %q could not complete: %v", op, user, werr)
		if err == nil {
			msg += "; the change was made, but is not in the audit log"
		}
		return &failure{code: exitFailed, msg: msg, err: werr}
	}
	return nil
}

// stamp writes t as the records store it: RFC 3339, UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func verify(creds *cache.Cache, c call) error {
	user := c.args[0]
	token := c.token
	if token == "" {
		var err error
		if token, err = readToken(c, user); err != nil {
			return err
		}
	}
	ok, err := creds.Verify(user, token)
	if err == nil && !ok {
		err = errRefused
		if creds.CheckToken(token) != nil {
			err = errMalformed
		}
	}
	if err != nil {
		return explain(err, user, "")
	}
	fmt.Fprintf(c.stdout, "Token verified for %s.\n", shown(user))
	return nil
}

func reset(creds *cache.Cache, c call) error {
	user, email := c.args[0], c.args[1]
	var issued cache.User
	token, err := creds.Reset(user, email, c.tokenOptions(&issued)...)
	if err := c.record(httpapi.AuditReset, user, err, issued); err != nil {
		return err
	}
	if err != nil {
		return explain(err, user, email)
	}
	what := fmt.Sprintf("New token for %s; the old one no longer works.", shown(user))
	if !issued.PreviousExpires.IsZero() {
		what = fmt.Sprintf("New token for %s; the old one works until %s.", shown(user), stamp(issued.PreviousExpires))
	}
	if !issued.Expires.IsZero() {
		what += " The new one expires " + stamp(issued.Expires) + "."
	}
	return printToken(c, token, what)
}

// deregister removes the record without asking for the user's token, as
// an administrator may; the service's /deregister needs the token.
func deregister(creds *cache.Cache, c call) error {
	user := c.args[0]
	err := creds.RemoveUser(user)
	if err := c.record(httpapi.AuditRemove, user, err, cache.User{}); err != nil {
		return err
	}
	if err != nil {
		return explain(err, user, "")
	}
	fmt.Fprintf(c.stdout, "Removed %s.\n", shown(user))
	return nil
}

// list prints each user's name, and after a tab the expiries of those
// that have some; a name with a hidden character is quoted with escapes
// (see shown). It reads the records copyBatch at a time.
func list(creds *cache.Cache, c call) error {
	users, err := creds.Users()
	if err != nil {
		return err
	}
	records := make([]cache.User, len(users))
	errs := make([]error, len(users))
	for start := 0; start < len(users); start += copyBatch {
		var wg sync.WaitGroup
		for i := start; i < min(start+copyBatch, len(users)); i++ {
			wg.Go(func() { records[i], errs[i] = creds.LoadUser(users[i]) })
		}
		wg.Wait()
	}
	now, unreadable := time.Now(), 0
	for i, name := range users {
		u := shown(name)
		switch err := errs[i]; {
		case errors.Is(err, cache.ErrNotRegistered):
			// Removed since the list was read.
		case err != nil:
			unreadable++
			fmt.Fprintf(c.stdout, "%s\tunreadable record\n", u)
			fmt.Fprintf(c.stderr, "credsctl: %v\n", err)
		default:
			if when := expiries(records[i], now); when != "" {
				u += "\t" + when
			}
			fmt.Fprintln(c.stdout, u)
		}
	}
	if unreadable > 0 {
		return &failure{code: exitFailed, msg: fmt.Sprintf("%d record(s) could not be read: see above", unreadable)}
	}
	return nil
}

// expiries says when u's tokens end, as of now: "" if they never do.
func expiries(u cache.User, now time.Time) string {
	var parts []string
	if !u.Expires.IsZero() {
		parts = append(parts, pick(now.Before(u.Expires), "expires ", "expired ")+stamp(u.Expires))
	}
	if !u.PreviousExpires.IsZero() {
		parts = append(parts, pick(now.Before(u.PreviousExpires), "previous token until ", "previous token ended ")+stamp(u.PreviousExpires))
	}
	return strings.Join(parts, "; ")
}

// pick returns a if cond, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// show prints the record as it is stored, and where: its file, or on
// etcd its key. The stored value is the hash of the token, which is of no
// use as a token: say so.
func show(creds *cache.Cache, c call) error {
	user := c.args[0]
	u, err := creds.LoadUser(user)
	if err != nil {
		return explain(err, user, "")
	}
	where, err := c.recs.where(user)
	if err != nil {
		return explain(err, user, "")
	}
	fmt.Fprintf(c.stdout, "user: %s\nemail: %s\nhashed_token (SHA-256, not a token): %s\n", shown(u.User), shown(u.Email), u.HashedToken)
	now := time.Now()
	if !u.Expires.IsZero() {
		fmt.Fprintf(c.stdout, "expires: %s%s\n", stamp(u.Expires), pick(now.Before(u.Expires), "", " (expired)"))
	}
	if !u.PreviousExpires.IsZero() {
		fmt.Fprintf(c.stdout, "previous_hashed_token (SHA-256, not a token): %s\nprevious_expires: %s%s\n",
			u.PreviousHashedToken, stamp(u.PreviousExpires), pick(now.Before(u.PreviousExpires), "", " (ended)"))
	}
	fmt.Fprintln(c.stdout, where)
	return nil
}
