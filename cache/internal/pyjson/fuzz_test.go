package pyjson_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// FuzzAppendString checks that any string is written as pure printable
// ASCII that reads back, with the standard decoder and with String, as the
// string with each invalid byte replaced by U+FFFD.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "alice", "名前", "emoji😀", "\"\\<>&\u2028\x00\x1f\x7f", "\xff", "a\xc3", "\xed\xa0\x80", "\U0010ffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := pyjson.AppendString(nil, s)
		for _, b := range out {
			if b < ' ' || b > '~' {
				t.Fatalf("byte %#x in %q", b, out)
			}
		}
		want := string([]rune(s)) // invalid bytes become U+FFFD, one each
		var std string
		if err := json.Unmarshal(out, &std); err != nil || std != want {
			t.Fatalf("%q read back by encoding/json as %q, %v; want %q", out, std, err, want)
		}
		strict, err := pyjson.String(out)
		if err != nil || strict != want {
			t.Fatalf("%q read back by String as %q, %v; want %q", out, strict, err, want)
		}
	})
}

// FuzzDecodeObject checks that the strict reader never panics and that
// whatever it accepts, encoding/json reads to the same keys and values.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"user":"a","token":"ff"}`, `{"user":1}`, `{"a":1,"a":2}`,
		`{"a\ud800":1}`, `{"\ud83d\ude00":[1,{"x":null}]}`, "{\"user\":\"\xff\"}", `{"a":1} {}`,
		`{"message":"User verified","status":true,"verified":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := pyjson.DecodeObject(data)
		if err != nil {
			if obj != nil {
				t.Fatalf("object %v with error %v", obj, err)
			}
			return
		}
		var std map[string]json.RawMessage
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		if len(std) != len(obj) {
			t.Fatalf("%q: %d keys, encoding/json finds %d", data, len(obj), len(std))
		}
		for k, v := range obj {
			if !bytes.Equal(std[k], v) {
				t.Fatalf("%q: key %q is %q, encoding/json reads %q", data, k, v, std[k])
			}
		}
	})
}

// FuzzString checks that a string String accepts reads the same with
// encoding/json, and is written back by AppendString to the same string.
func FuzzString(f *testing.F) {
	for _, s := range []string{`"a"`, `""`, `"\ud83d\ude00"`, `"\ud800"`, `"x\\udc00"`, `null`, `"\u540d"`, ` "a" `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := pyjson.String(raw)
		if err != nil {
			return
		}
		var std string
		if err := json.Unmarshal(raw, &std); err != nil || std != s {
			t.Fatalf("%q: String gives %q, encoding/json %q, %v", raw, s, std, err)
		}
		again, err := pyjson.String(pyjson.AppendString(nil, s))
		if err != nil || again != s {
			t.Fatalf("%q written and read back as %q, %v", s, again, err)
		}
	})
}

// FuzzScanFlat checks that every text ScanFlat takes is a JSON object of
// strings that encoding/json reads to the same keys and values, the last
// of a repeated key winning in both.
func FuzzScanFlat(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.org","hashed_token":"eb28","user":"\u540d\u524d"}`,
		` {"a" : "x\ud834\udd1e" ,"b":"\udd1e\/\t","a":"y"}` + "\n",
		`{"a":"\u00"}`, `{"a":"\0"}`, `{"a":1}`, `{}`, `{"a":"b",}`, `["a"]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scanned := map[string]string{}
		ok := pyjson.ScanFlat(data, func(key, value []byte) bool {
			text, ok := pyjson.AppendUnquoted(nil, value)
			if !ok {
				t.Fatalf("ScanFlat gave a value AppendUnquoted refuses: %q", value)
			}
			scanned[string(key)] = string(text)
			return true
		})
		if !ok {
			return
		}
		var want map[string]string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("ScanFlat took %q, which encoding/json refuses: %v", data, err)
		}
		if !maps.Equal(scanned, want) {
			t.Fatalf("ScanFlat read %q as %q; encoding/json: %q", data, scanned, want)
		}
	})
}
