package httpapi

import (
	"strconv"
	"unicode/utf8"
)

// maxLoggedName bounds how much of a user name goes into a log line: a
// request may carry 64 KiB of it.
const maxLoggedName = 64

// logName returns user as it goes into a log line: cut to 64 bytes (on a
// character boundary, marked "..."), and with every character outside
// printable ASCII escaped as Go does (\u200b, \x00), so that no invisible
// or look-alike character hides in the log. The log's handler quotes the
// result where it needs to.
func logName(user string) string {
	cut := len(user) > maxLoggedName
	if cut {
		n := maxLoggedName
		for n > 0 && !utf8.RuneStart(user[n]) {
			n--
		}
		user = user[:n]
	}
	q := strconv.QuoteToASCII(user)
	q = q[1 : len(q)-1]
	if cut {
		q += "..."
	}
	return q
}
