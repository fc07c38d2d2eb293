package authn

import (
	"encoding/base64"
	"strings"
)

const (
	authorization = "Authorization"
	basicScheme   = "Basic "
)

// takeBasic finds a Basic credential among h's Authorization values. If one
// is there it removes every Authorization value, so that the token never
// reaches the next handler, and reports found. ok reports that there was
// exactly one Authorization value and that it decoded to user:token. The
// split is at the last colon: tokens are hex and hold none, while a user name
// may.
func takeBasic(h map[string][]string) (user, token string, found, ok bool) {
	vs := h[authorization]
	for _, v := range vs {
		if isBasic(v) {
			found = true
			break
		}
	}
	if !found {
		return "", "", false, false
	}
	delete(h, authorization)
	if len(vs) != 1 {
		return "", "", true, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(vs[0][len(basicScheme):]))
	if err != nil {
		return "", "", true, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", true, false
	}
	return s[:i], s[i+1:], true, true
}

// isBasic reports whether an Authorization value uses the Basic scheme
// (case-insensitive, as RFC 9110 makes scheme names).
func isBasic(v string) bool {
	return len(v) >= len(basicScheme) && strings.EqualFold(v[:len(basicScheme)], basicScheme)
}
