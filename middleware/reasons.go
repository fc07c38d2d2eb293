package middleware

import (
	"fmt"
	"strings"
)

// Reasons name the Checker's headers, and are made once so that reporting
// one allocates nothing.

// presence is what a request had of one credential.
type presence uint8

const (
	present presence = iota
	absent           // no such header
	empty            // the header, with an empty value
)

// authHint is what an unread Authorization header says.
type authHint uint8

const (
	noHint       authHint = iota
	basicOff              // an Authorization header, while the Basic fallback is off
	notBasicAuth          // an Authorization header of another scheme than Basic
)

// reasons holds a Checker's reasons for Missing and its own Rejected.
type reasons struct {
	missing      [3][3][3]error // [user][token][hint]; [present][present] unused
	basicMissing [2][2]error    // [user empty][token empty] in Basic credentials
	repeated     error          // a credential header sent more than once
	lookAlike    error          // a header that reads as a credential header
	badBasic     error          // Basic credentials that cannot be read
}

// newReasons returns the reasons for the headers userKey and tokenKey.
func newReasons(userKey, tokenKey string, basic bool) reasons {
	var r reasons
	for u := range presence(3) {
		for t := range presence(3) {
			if u == present && t == present {
				continue
			}
			for h := range authHint(3) {
				r.missing[u][t][h] = fmt.Errorf("%w: %s", ErrMissingCredentials, missingText(u, t, h, userKey, tokenKey, basic))
			}
		}
	}
	for u := range 2 {
		for t := range 2 {
			var what []string
			if u == 1 {
				what = append(what, "user name")
			}
			if t == 1 {
				what = append(what, "token (the password)")
			}
			r.basicMissing[u][t] = fmt.Errorf("%w: Basic credentials with an empty %s", ErrMissingCredentials, strings.Join(what, " and an empty "))
		}
	}
	r.repeated = fmt.Errorf("%w: %s or %s header sent more than once", ErrInvalidCredentials, userKey, tokenKey)
	r.lookAlike = fmt.Errorf("%w: a header that reads as %s or %s when _ is read as -", ErrInvalidCredentials, userKey, tokenKey)
	r.badBasic = fmt.Errorf("%w: Authorization: Basic header that is not one base64 user:token", ErrInvalidCredentials)
	return r
}

// missingText says what a request lacked.
func missingText(u, t presence, h authHint, userKey, tokenKey string, basic bool) string {
	var b strings.Builder
	switch {
	case u == absent && t == absent:
		fmt.Fprintf(&b, "no %s or %s header", userKey, tokenKey)
		if basic && h == noHint {
			b.WriteString(", and no Authorization: Basic header")
		}
	default:
		var parts []string
		for _, c := range []struct {
			p   presence
			key string
		}{{u, userKey}, {t, tokenKey}} {
			switch c.p {
			case absent:
				parts = append(parts, "no "+c.key+" header")
			case empty:
				parts = append(parts, "an empty "+c.key+" header")
			}
		}
		b.WriteString(strings.Join(parts, " and "))
	}
	switch h {
	case basicOff:
		b.WriteString("; an Authorization header came, but Basic credentials are read only with BasicAuth on")
	case notBasicAuth:
		b.WriteString("; an Authorization header came, but not of the Basic scheme")
	}
	return b.String()
}

// presenceOf tells what a request had of a credential from its first value
// and count.
func presenceOf(value string, n int) presence {
	switch {
	case n == 0:
		return absent
	case value == "":
		return empty
	}
	return present
}
