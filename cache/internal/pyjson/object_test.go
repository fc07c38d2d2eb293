package pyjson_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

func TestDecodeObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    pyjson.Object
		wantErr error
	}{
		{name: "compact", in: `{"a":"x","b":true}`, want: pyjson.Object{"a": json.RawMessage(`"x"`), "b": json.RawMessage(`true`)}},
		{name: "white space and newline", in: " {\n \"a\" : [1, {}] ,\"b\":null }\n", want: pyjson.Object{"a": json.RawMessage(`[1, {}]`), "b": json.RawMessage(`null`)}},
		{name: "empty object", in: `{}`, want: pyjson.Object{}},
		{name: "keys in two cases are two keys", in: `{"user":1,"User":2}`, want: pyjson.Object{"user": json.RawMessage(`1`), "User": json.RawMessage(`2`)}},
		{name: "escaped pair in a key", in: `{"\ud83d\ude00":1}`, want: pyjson.Object{"😀": json.RawMessage(`1`)}},
		{name: "escaped backslash before u", in: `{"\\ud800":1}`, want: pyjson.Object{`\ud800`: json.RawMessage(`1`)}},
		{name: "lone surrogate in a value is left to String", in: `{"a":"\ud800"}`, want: pyjson.Object{"a": json.RawMessage(`"\ud800"`)}},
		{name: "empty", in: ``, wantErr: pyjson.ErrSyntax},
		{name: "truncated", in: `{"a":1`, wantErr: pyjson.ErrSyntax},
		{name: "two objects", in: `{}{}`, wantErr: pyjson.ErrSyntax},
		{name: "trailing garbage", in: `{"a":1} x`, wantErr: pyjson.ErrSyntax},
		{name: "invalid UTF-8", in: "{\"a\":\"\xff\"}", wantErr: pyjson.ErrSyntax},
		{name: "array", in: `[]`, wantErr: pyjson.ErrNotObject},
		{name: "null", in: `null`, wantErr: pyjson.ErrNotObject},
		{name: "string", in: `"a"`, wantErr: pyjson.ErrNotObject},
		{name: "duplicate key", in: `{"a":1,"b":2,"a":3}`, wantErr: pyjson.ErrDuplicateKey},
		{name: "duplicate key written two ways", in: `{"a":1,"\u0061":2}`, wantErr: pyjson.ErrDuplicateKey},
		{name: "lone high surrogate in a key", in: `{"a\ud800":1}`, wantErr: pyjson.ErrLoneSurrogate},
		{name: "lone low surrogate in a later key", in: `{"a":1, "\udc00":2}`, wantErr: pyjson.ErrLoneSurrogate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pyjson.DecodeObject([]byte(tt.in))
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{name: "plain", in: `"alice"`, want: "alice"},
		{name: "empty", in: `""`, want: ""},
		{name: "escapes", in: `"\u540d\"\\\n"`, want: "名\"\\\n"},
		{name: "pair", in: `"\ud83d\ude00"`, want: "😀"},
		{name: "surrounding space", in: " \"a\"\n", want: "a"},
		{name: "escaped backslash before u", in: `"x\\udc00y"`, want: `x\udc00y`},
		{name: "lone high", in: `"a\ud800"`, wantErr: pyjson.ErrLoneSurrogate},
		{name: "lone low", in: `"a\udc00b"`, wantErr: pyjson.ErrLoneSurrogate},
		{name: "reversed pair", in: `"\udc00\ud800"`, wantErr: pyjson.ErrLoneSurrogate},
		{name: "high then other escape", in: `"\ud800\u0041"`, wantErr: pyjson.ErrLoneSurrogate},
		{name: "null", in: `null`, wantErr: pyjson.ErrNotString},
		{name: "number", in: `12`, wantErr: pyjson.ErrNotString},
		{name: "object", in: `{}`, wantErr: pyjson.ErrNotString},
		{name: "missing", in: ``, wantErr: pyjson.ErrNotString},
		{name: "unterminated", in: `"a`, wantErr: pyjson.ErrNotString},
		{name: "invalid UTF-8", in: "\"\xff\"", wantErr: pyjson.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pyjson.String(json.RawMessage(tt.in))
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{`true`: true, `false`: false, " true\n": true} {
		got, err := pyjson.Bool(json.RawMessage(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{``, `null`, `"true"`, `1`, `True`, `tru`} {
		_, err := pyjson.Bool(json.RawMessage(in))
		assert.ErrorIs(t, err, pyjson.ErrNotBool, in)
	}
}
