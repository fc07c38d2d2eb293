package main

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names, emails and paths come from whoever wrote the records, and a
// terminal acts on some characters instead of showing them: escapes that
// recolor or rewrite the screen, bidi controls that reorder a line,
// invisible characters that make two names look the same. credsctl
// prints every such text with shown, and writes all its output through a
// plainWriter, so that none reaches a terminal raw.

// hidden reports whether a terminal would not show r as itself: control
// characters, line and paragraph separators, format characters (bidi
// controls, zero-width characters, the soft hyphen), and the other
// default-ignorable characters (variation selectors, Hangul fillers).
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// firstHidden returns the first character of s that hidden reports, or
// an invalid byte (as utf8.RuneError), and whether there is one.
func firstHidden(s string) (rune, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return r, true
			}
		}
		if hidden(r) {
			return r, true
		}
	}
	return 0, false
}

// shown returns s as credsctl prints a name, an email or a path: as it
// is, or, if a character of it is hidden, an invalid byte or a quote that
// would make it ambiguous, quoted with Go's escapes ("al\u202eice").
// Printable characters of any script stay as they are.
func shown(s string) string {
	if _, ok := firstHidden(s); ok || strings.HasPrefix(s, `"`) {
		return strconv.Quote(s)
	}
	return s
}

// plainWriter passes what credsctl writes to w with every hidden
// character but the newline and the tab (which separates the columns of
// list) escaped as Go escapes it (\x1b, \u202e), and
// every invalid byte as \xNN: the last guard, for text that did not go
// through shown (the operating system's errors, which may name a path).
// Each Write is taken whole: credsctl writes whole lines.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) {
	if !needsEscape(b) {
		return p.w.Write(b)
	}
	n := len(b)
	var out []byte
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\x`...)
			out = append(out, "0123456789abcdef"[b[0]>>4], "0123456789abcdef"[b[0]&15])
		case r != '\n' && r != '\t' && hidden(r):
			q := strconv.QuoteRuneToASCII(r)
			out = append(out, q[1:len(q)-1]...)
		default:
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return n, nil
}

// needsEscape reports whether b holds a character that plainWriter
// escapes.
func needsEscape(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 || r != '\n' && r != '\t' && hidden(r) {
			return true
		}
		b = b[size:]
	}
	return false
}
