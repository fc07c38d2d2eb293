package authn

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
