package cache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckUser(t *testing.T) {
	for _, tc := range []struct {
		name, user string
		ok         bool
	}{
		{"plain", "alice", true},
		{"unicode", "名前", true},
		{"dots inside", "a..b", true},
		{"json suffix", "x.json", true},
		{"space", "j doe", true},
		{"250 bytes", strings.Repeat("a", 250), true},
		{"empty", "", false},
		{"251 bytes", strings.Repeat("a", 251), false},
		{"300 bytes", strings.Repeat("a", 300), false},
		{"parent", "../x", false},
		{"dotdot", "..", false},
		{"dot", ".", false},
		{"hidden", ".hidden", false},
		{"own prefix", ".fixiecreds-lock", false},
		{"slash", "a/b", false},
		{"absolute", "/etc/passwd", false},
		{"backslash", `a\b`, false},
		{"nul", "a\x00b", false},
		{"newline", "a\nb", false},
		{"tab", "a\tb", false},
		{"del", "a\x7f", false},
		{"c1 control", "a\u0085b", false},
		{"invalid utf-8", "a\xffb", false},
		{"encoded surrogate", "a\xed\xa0\x80", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkUser(tc.user)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalidUser)
			}
		})
	}
}

func TestCheckEmail(t *testing.T) {
	for _, tc := range []struct {
		name, email string
		ok          bool
	}{
		{"plain", "a@b.org", true},
		{"plus", "x+tag@example.com", true},
		{"utf-8", "ünï@exämple.org", true},
		{"254 bytes", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org", true},
		{"empty", "", false},
		{"no at", "alice", false},
		{"display name", "Alice <a@b.org>", false},
		{"angle brackets", "<a@b.org>", false},
		{"two addresses", "a@b.org, c@d.org", false},
		{"leading space", " a@b.org", false},
		{"trailing newline", "a@b.org\n", false},
		{"header injection", "a@b.org\r\nBcc: c@d.org", false},
		{"nul", "a\x00@b.org", false},
		{"invalid utf-8", "a\xff@b.org", false},
		{"255 bytes", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkEmail(tc.email)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalidEmail)
			}
		})
	}
}
