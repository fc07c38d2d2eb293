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

// TestCheckNewUser shows the rule for new names: checkUser's, and
// unchanged by PRECIS UsernameCasePreserved (RFC 8265), with a reason a
// person can act on.
func TestCheckNewUser(t *testing.T) {
	for _, tc := range []struct {
		name, user string
		reason     string // "" for a name accepted; else a part of the reason
	}{
		{"plain", "alice", ""},
		{"case kept", "Alice", ""},
		{"cjk", "名前", ""},
		{"beyond the bmp", "𠮷野家", ""},
		{"nfc accent", "café", ""},
		{"ascii punctuation", `o'brien<&>"x"`, ""},
		{"dots inside", "a..b.json", ""},
		{"right to left", "אב", ""},
		{"trailing space", "bob ", "holds a space (U+0020)"},
		{"leading space", " bob", "holds a space (U+0020)"},
		{"only a space", " ", "holds a space (U+0020)"},
		{"inner space", "j doe", "holds a space (U+0020)"},
		{"no-break space", "a\u00a0b", "holds a space (U+00A0)"},
		{"ideographic space", "a\u3000b", "holds a space (U+3000)"},
		{"line separator", "a\u2028b", "holds a space (U+2028)"},
		{"nfd accent", "cafe\u0301", `decomposed characters; write it in Unicode NFC, as "caf\u00e9"`},
		{"zero-width space", "bo\u200bb", "holds U+200B"},
		{"zero-width joiner", "bo\u200db", "holds U+200D"},
		{"soft hyphen", "bo\u00adb", "holds U+00AD"},
		{"byte order mark", "\ufeffbob", "holds U+FEFF"},
		{"right-to-left override", "bob\u202exe", "holds U+202E"},
		{"fullwidth", "ａｌｉｃｅ", `fullwidth or halfwidth forms; write it as "alice"`},
		{"halfwidth katakana", "ｶﾀｶﾅ", `write it as "\u30ab\u30bf\u30ab\u30ca"`},
		{"emoji", "bob😀", "holds U+1F600"},
		{"ligature", "ﬁx", "holds U+FB01"},
		{"mixed directions", "aא", "left-to-right and right-to-left"},
		{"empty", "", "it is empty"},
		{"too long", strings.Repeat("a", 251), "longer than 250 bytes"},
		{"hidden", ".bob", "starts with '.'"},
		{"slash", "a/b", `holds '/' or '\'`},
		{"control", "a\nb", "control character"},
		{"invalid utf-8", "a\xffb", "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkNewUser(tc.user)
			if tc.reason == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidUser)
			var ne *NameError
			if assert.ErrorAs(t, err, &ne) {
				assert.Equal(t, tc.user, ne.User)
				assert.Contains(t, ne.Reason, tc.reason)
			}
		})
	}
}

func TestNameErrorBoundsTheName(t *testing.T) {
	err := &NameError{User: strings.Repeat("a", 10_000) + "\u200b", Reason: "it is longer than 250 bytes"}
	msg := err.Error()
	assert.Less(t, len(msg), 200, msg)
	assert.True(t, strings.HasPrefix(msg, `cache: invalid user name "aaaa`), msg)
	assert.Equal(t, `cache: invalid user name "bob\u200b": r`, (&NameError{User: "bob\u200b", Reason: "r"}).Error(),
		"an invisible character is shown escaped")
}
