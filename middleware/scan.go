package middleware

import (
	"encoding/base64"
	"strings"
)

// found is what a header held of the credentials.
type found struct {
	user, token   string // the first value of each
	nUser, nToken int    // how many values each had, over every key naming it
	lookAlike     bool   // a key named a credential header only with '_' read as '-'
	basic         []string
	nBasic        int // Authorization values beside a Basic one, itself included
	nAuth         int // Authorization values not taken as Basic credentials
}

// scan reads the credentials in h, removing what [Checker.Check] says, in
// one pass without allocating.
func (c *Checker) scan(h map[string][]string) found {
	var f found
	for k, vs := range h {
		if same, alike := c.user.match(k); same || alike {
			if alike {
				f.lookAlike = true
				delete(h, k)
			} else if f.nUser += len(vs); f.user == "" && len(vs) > 0 {
				f.user = vs[0]
			}
			continue
		}
		if same, alike := c.token.match(k); same || alike {
			if alike {
				f.lookAlike = true
			} else if f.nToken += len(vs); f.token == "" && len(vs) > 0 {
				f.token = vs[0]
			}
			delete(h, k)
			continue
		}
		if same, _ := authorization.match(k); same {
			if c.basic && hasBasic(vs) {
				if f.basic == nil {
					f.basic = vs
				}
				f.nBasic += len(vs)
				delete(h, k)
			} else {
				f.nAuth += len(vs)
			}
		}
	}
	// Values of a non-Basic Authorization key make a Basic one ambiguous.
	if f.basic != nil {
		f.nBasic += f.nAuth
	}
	return f
}

// basicScheme is the prefix of a Basic Authorization value.
const basicScheme = "Basic "

// hasBasic reports whether one of vs uses the Basic scheme.
func hasBasic(vs []string) bool {
	for _, v := range vs {
		if isBasic(v) {
			return true
		}
	}
	return false
}

// isBasic reports whether v uses the Basic scheme, in any case.
func isBasic(v string) bool {
	return len(v) >= len(basicScheme) && strings.EqualFold(v[:len(basicScheme)], basicScheme)
}

// decodeBasic decodes vs, of n Authorization values, if n is 1. It splits
// at the last colon: a user name may hold one, a hex token none.
func decodeBasic(vs []string, n int) (user, token string, ok bool) {
	if n != 1 || len(vs) != 1 {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(vs[0][len(basicScheme):]))
	if err != nil {
		return "", "", false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
