package middleware

// validFieldName reports whether s is a non-empty HTTP field name: a token
// of RFC 9110's tchar characters.
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

// validRealm reports whether s is non-empty printable ASCII without a quote
// or backslash, so that it can be quoted as is.
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

// challenge returns the WWW-Authenticate values for realm, clipped so that an
// append by a later writer copies rather than writes into the shared array.
func challenge(realm string, basic bool) []string {
	vs := []string{`Fixie realm="` + realm + `"`}
	if basic {
		vs = append(vs, `Basic realm="`+realm+`", charset="UTF-8"`)
	}
	return vs[:len(vs):len(vs)]
}

// fieldName is a credential header's name, prepared for matching the keys
// of a header map whatever their case: http.Header's canonical keys, gRPC
// metadata's lower-case ones, or any other.
type fieldName struct {
	key   string // canonical form, for reasons
	lower string // lower case
}

// match reports whether the key k names f, ignoring ASCII case (same), or
// names it only when '_' and '-' are read as one (alike): as CGI, WSGI and
// PHP read header names, which turns X_Fixie_User into the HTTP_X_FIXIE_USER
// of X-Fixie-User.
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

// lower returns the lower case of an ASCII letter, and any other byte as is.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
