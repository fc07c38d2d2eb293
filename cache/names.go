package cache

import (
	"net/mail"
	"unicode"
	"unicode/utf8"
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
