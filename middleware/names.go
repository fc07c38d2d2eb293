package middleware

// validFieldName reports whether s is an RFC 9110 token.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!', c == '#', c == '$', c == '%', c == '&', c == '\'', c == '*',
			c == '+', c == '-', c == '.', c == '^', c == '_', c == '`', c == '|', c == '~':
		default:
			return false
		}
	}
	return true
}

// validRealm reports whether s can be quoted as is.
func validRealm(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// challenge returns the WWW-Authenticate values, clipped so that a later
// append copies rather than writes into the shared array.
func challenge(realm string, basic bool) []string {
	vs := []string{`Fixie realm="` + realm + `"`}
	if basic {
		vs = append(vs, `Basic realm="`+realm+`", charset="UTF-8"`)
	}
	return vs[:len(vs):len(vs)]
}

// fieldName is a credential header's name, to match keys in any case.
type fieldName struct {
	key   string // canonical form, for reasons
	lower string // lower case
}

// match reports whether k names f, ignoring ASCII case (same), or only
// when '_' and '-' are read as one, as CGI does (alike).
func (f fieldName) match(k string) (same, alike bool) {
	if len(k) != len(f.lower) {
		return false, false
	}
	for i := 0; i < len(k); i++ {
		c, want := lower(k[i]), f.lower[i]
		switch {
		case c == want:
		case (c == '_' || c == '-') && (want == '_' || want == '-'):
			alike = true
		default:
			return false, false
		}
	}
	return !alike, alike
}

// lower maps ASCII upper case to lower.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
