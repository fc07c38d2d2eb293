package pyjson_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// pyRecord is one record of the vectors Python's json module wrote
// (cache/testdata/pyvectors.py): the strings, and the record file holding
// them as json.dump escaped them.
type pyRecord struct {
	User        string `json:"user"`
	Email       string `json:"email"`
	HashedToken string `json:"hashed_token"`
	File        string `json:"file"`
}

// pyVectors returns the raw vector file and its records.
func pyVectors(t *testing.T) ([]byte, []pyRecord) {
	t.Helper()
	data, err := os.ReadFile("../../testdata/python_vectors.json")
	require.NoError(t, err)
	var v struct {
		Records []pyRecord `json:"records"`
	}
	require.NoError(t, json.Unmarshal(data, &v))
	require.NotEmpty(t, v.Records)
	return data, v.Records
}

// TestPythonVectors checks every string of the vectors against Python's
// own escaping of it, and that the strict reader reads Python's text back.
func TestPythonVectors(t *testing.T) {
	t.Parallel()
	data, records := pyVectors(t)

	// The whole file, as json.dump wrote it with indent=1.
	top, err := pyjson.DecodeObject(data)
	require.NoError(t, err)
	assert.Contains(t, top, "records")
	assert.Contains(t, top, "tokens")

	for _, v := range records {
		t.Run(v.User[:min(len(v.User), 16)], func(t *testing.T) {
			t.Parallel()
			obj, err := pyjson.DecodeObject([]byte(v.File))
			require.NoError(t, err)
			for key, want := range map[string]string{"user": v.User, "email": v.Email, "hashed_token": v.HashedToken} {
				assert.Equal(t, string(obj[key]), string(pyjson.AppendString(nil, want)), "%s as Python wrote it", key)
				got, err := pyjson.String(obj[key])
				require.NoError(t, err)
				assert.Equal(t, want, got, "%s read back", key)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	// Valid UTF-8: what Python's json.dumps gives by default.
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"printable ASCII", "plain ASCII ~", `"plain ASCII ~"`},
		{"quote and backslash", `"\`, `"\"\\"`},
		{"named escapes", "\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"other controls", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"DEL", "\x7f", `"\u007f"`},
		{"HTML characters", "<>&'/", `"<>&'/"`},
		{"Latin-1", "é", `"\u00e9"`},
		{"CJK", "名前", `"\u540d\u524d"`},
		{"line separator", "\u2028", `"\u2028"`},
		{"replacement character itself", "\ufffd", `"\ufffd"`},
		{"beyond the BMP", "😀", `"\ud83d\ude00"`},
		{"last code point", "\U0010ffff", `"\udbff\udfff"`},
		// Invalid UTF-8, which Python strings cannot hold: one \ufffd per
		// byte that is not part of a valid sequence.
		{"lone byte", "\xff", `"\ufffd"`},
		{"truncated sequence", "a\xc3", `"a\ufffd"`},
		{"encoded surrogate", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
		{"overlong slash", "\xc0\xaf", `"\ufffd\ufffd"`},
		{"between valid text", "é\xffé", `"\u00e9\ufffd\u00e9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, string(pyjson.AppendString(nil, tt.in)))
			assert.Equal(t, "x"+tt.want, string(pyjson.AppendString([]byte("x"), tt.in)), "appends")
		})
	}
}
