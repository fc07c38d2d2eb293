package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandlerRefusesLookalikes shows a name that looks like a registered
// one, and one that mixes scripts, refused with 400 and the reason.
func TestHandlerRefusesLookalikes(t *testing.T) {
	t.Parallel()
	h, _ := newService(t)
	require.Equal(t, http.StatusOK, postFrom(h, "192.0.2.1:1", "/register", registerBody("alice")).Code)
	for user, reason := range map[string]string{
		"\u0251lice": "it looks like the name of a registered user (their Unicode TR39 skeletons are equal); choose another",
		"\u0430lice": "it mixes scripts (Cyrillic U+0430, Latin U+006C), as look-alike names do; write it in one script (Latin may go with Han, Hiragana, Katakana, Hangul or Bopomofo)",
	} {
		rec := postFrom(h, "192.0.2.1:1", "/register", registerBody(user))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Equal(t, `{"message":"Input to Register is not valid: field \"user\" is not a usable user name: `+reason+`"}`, rec.Body.String())
	}
	assert.Equal(t, http.StatusOK, postFrom(h, "192.0.2.1:1", "/register", registerBody("Дмитрий")).Code)
}
