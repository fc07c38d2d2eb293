package main

import (
	"fmt"

	"github.com/fixiecreds/fixiecreds/cache"
)

// command is one of credsctl's commands.
type command struct {
	usage      string // its arguments, for usage messages
	nargs      int    // how many arguments it takes
	takesToken bool   // whether it has the -token flag
	readOnly   bool   // whether it only reads, and so must not create the directory
	run        func(creds *cache.Cache, c call) error
}

var commands = map[string]command{
	"register":   {usage: "register USER EMAIL", nargs: 2, run: register},
	"verify":     {usage: "verify [-token TOKEN] USER", nargs: 1, takesToken: true, readOnly: true, run: verify},
	"reset":      {usage: "reset USER EMAIL", nargs: 2, run: reset},
	"deregister": {usage: "deregister USER", nargs: 1, run: deregister},
	"list":       {usage: "list", nargs: 0, readOnly: true, run: list},
	"show":       {usage: "show USER", nargs: 1, readOnly: true, run: show},
	"import":     {usage: "import DIR", nargs: 1, run: importDir},
	"export":     {usage: "export DIR", nargs: 1, readOnly: true, run: exportDir},
}

func register(creds *cache.Cache, c call) error {
	user, email := c.args[0], c.args[1]
	token, err := creds.Register(user, email)
	if err != nil {
		return explain(err, user, email)
	}
	return printToken(c, token, fmt.Sprintf("Registered %s <%s>.", shown(user), shown(email)))
}

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
	token, err := creds.Reset(user, email)
	if err != nil {
		return explain(err, user, email)
	}
	return printToken(c, token, fmt.Sprintf("New token for %s; the old one no longer works.", shown(user)))
}

// deregister removes the record without asking for the user's token, as
// an administrator may; the service's /deregister needs the token.
func deregister(creds *cache.Cache, c call) error {
	user := c.args[0]
	if err := creds.RemoveUser(user); err != nil {
		return explain(err, user, "")
	}
	fmt.Fprintf(c.stdout, "Removed %s.\n", shown(user))
	return nil
}

// list prints one name a line; a name with a hidden character is quoted
// with escapes (see shown).
func list(creds *cache.Cache, c call) error {
	users, err := creds.Users()
	if err != nil {
		return err
	}
	for _, u := range users {
		fmt.Fprintln(c.stdout, shown(u))
	}
	return nil
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
	fmt.Fprintf(c.stdout, "user: %s\nemail: %s\nhashed_token (SHA-256, not a token): %s\n%s\n",
		shown(u.User), shown(u.Email), u.HashedToken, where)
	return nil
}
