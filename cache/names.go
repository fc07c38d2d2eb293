package cache

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

const (
	maxUserLen  = 250 // "<user>.json" then fits the common 255-byte file name limit
	maxEmailLen = 254
	recordExt   = ".json"
)

// checkUser reports whether user can name a record: 1–250 bytes of valid
// UTF-8 with no '/', '\', NUL or control characters, not starting with '.'.
// It does not allocate.
func checkUser(user string) error {
	if len(user) == 0 || len(user) > maxUserLen || user[0] == '.' {
		return ErrInvalidUser
	}
	for i := 0; i < len(user); {
		b := user[i]
		if b < utf8.RuneSelf {
			if b < 0x20 || b == 0x7f || b == '/' || b == '\\' {
				return ErrInvalidUser
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(user[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) {
			return ErrInvalidUser
		}
		i += size
	}
	return nil
}

// checkNewUser reports whether user may name a new record: it passes
// checkUser and is unchanged by the PRECIS UsernameCasePreserved profile
// (RFC 8265), so that no space, invisible or bidi-control character,
// decomposed form or fullwidth letter makes two names that read alike,
// or a name that an HTTP header cannot carry as it is; and it mixes no
// scripts that TR39 would not (checkScripts). The error is a *NameError
// saying why.
func checkNewUser(user string) error {
	if err := CheckName(user); err != nil {
		return err
	}
	if i := strings.IndexFunc(user, unicode.IsSpace); i >= 0 {
		r, _ := utf8.DecodeRuneInString(user[i:])
		return &NameError{User: user, Reason: fmt.Sprintf("it holds a space (%U); new names hold none", r)}
	}
	enforced, err := precis.UsernameCasePreserved.String(user)
	switch {
	case err != nil:
		return &NameError{User: user, Reason: whyNotPRECIS(user)}
	case enforced == user:
		return checkScripts(user)
	case !norm.NFC.IsNormalString(user):
		return &NameError{User: user, Reason: fmt.Sprintf("it holds decomposed characters; write it in Unicode NFC, as %+q", enforced)}
	}
	return &NameError{User: user, Reason: fmt.Sprintf("it holds fullwidth or halfwidth forms; write it as %+q", enforced)}
}

// whyUnusable says why checkUser refuses user.
func whyUnusable(user string) string {
	switch {
	case user == "":
		return "it is empty"
	case len(user) > maxUserLen:
		return fmt.Sprintf("it is longer than %d bytes", maxUserLen)
	case user[0] == '.':
		return "it starts with '.'"
	case !utf8.ValidString(user):
		return "it is not valid UTF-8"
	case strings.ContainsAny(user, `/\`):
		return `it holds '/' or '\'`
	}
	return "it holds a control character"
}

// whyNotPRECIS says why the PRECIS profile refuses user: the first
// character it refuses on its own, else the mix (the bidi rule refuses
// some combinations of left-to-right and right-to-left characters).
func whyNotPRECIS(user string) string {
	for _, r := range user {
		if _, err := precis.UsernameCasePreserved.String(string(r)); err != nil {
			return fmt.Sprintf("it holds %U, which user names may not hold (RFC 8265: no invisible, bidi-control, symbol or compatibility characters)", r)
		}
	}
	return "RFC 8265 refuses its mix of left-to-right and right-to-left characters"
}

// CheckName reports whether user can name a record: nil for 1 to 250
// bytes of valid UTF-8 with no '/', '\', NUL or other control character,
// not starting with '.'; otherwise a [*NameError], which matches
// [ErrInvalidUser]. Names already on disk need only this; new names must
// also pass the PRECIS rule (see [Cache.Register]). A [Store] refuses
// every name CheckName refuses, so that none reaches its storage,
// whoever calls it.
func CheckName(user string) error {
	if checkUser(user) != nil {
		return &NameError{User: user, Reason: whyUnusable(user)}
	}
	return nil
}

// A NameError reports a user name that was refused and why. It matches
// [ErrInvalidUser] with [errors.Is]; use [errors.As] to get the reason,
// which is meant for people and is worded for the name as given.
type NameError struct {
	User   string // the name as given
	Reason string // why it was refused, such as "it holds a space (U+0020); new names hold none"
}

// maxNameInError bounds how much of a refused name an error repeats.
const maxNameInError = 64

// Error returns "cache: invalid user name NAME: REASON", with NAME quoted
// and cut to 64 bytes.
func (e *NameError) Error() string {
	name := e.User
	if len(name) > maxNameInError {
		name = name[:maxNameInError] + "..."
	}
	return fmt.Sprintf("%v %+q: %s", ErrInvalidUser, name, e.Reason)
}

// Unwrap returns [ErrInvalidUser].
func (e *NameError) Unwrap() error { return ErrInvalidUser }

// checkEmail reports whether email is a single bare address as net/mail
// parses it, at most 254 bytes, with no control characters.
func checkEmail(email string) error {
	if len(email) == 0 || len(email) > maxEmailLen || !utf8.ValidString(email) {
		return ErrInvalidEmail
	}
	for _, r := range email {
		if unicode.IsControl(r) {
			return ErrInvalidEmail
		}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return ErrInvalidEmail
	}
	return nil
}
