package httpapi

import (
	"strconv"
	"unicode/utf8"
)

// maxLoggedName bounds how much of a user name goes into a log line: a
// request may carry 64 KiB of it.
const maxLoggedName = 64

// logName returns user as the service writes it into its log.
func logName(user string) string { return LogText(user, maxLoggedName) }

// LogText returns s, text a client sent, as it may go into a log line:
// at most limit bytes of it (cut on a character boundary, marked "..."),
// with every character outside printable ASCII escaped as Go escapes it
// (\u200b, \x00), so that a client can neither flood a log nor hide an
// invisible or look-alike character in it. The service logs user names
// so; a log of the middleware's decisions (a user name, a path) should do
// the same. The log's handler quotes the result where it needs to.
func LogText(s string, limit int) string {
	cut := len(s) > limit
	if cut {
		n := limit
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	q := strconv.QuoteToASCII(s)
	q = q[1 : len(q)-1]
	if cut {
		q += "..."
	}
	return q
}
