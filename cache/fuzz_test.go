package cache

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzHashToken checks token parsing and hashing against a plain big.Int
// model of the format.
func FuzzHashToken(f *testing.F) {
	for _, s := range []string{"0", "ff", "00ff", "FF", "46685257bdd640fb06671ad11c80317fa3b1799d", "zz", "0x1f", "-1", "1_f", strings.Repeat("f", 41), strings.Repeat("0", 256) + "1", ""} {
		f.Add(s, uint8(20))
	}
	f.Add("ffff", uint8(1))
	f.Add(strings.Repeat("a", 256), uint8(128))
	f.Fuzz(func(t *testing.T, token string, n uint8) {
		nbytes := 1 + int(n)%maxNBytes
		want, wantOK := bigIntHash(token, nbytes)
		sum, ok := hashToken(token, nbytes)
		if ok != wantOK {
			t.Fatalf("nbytes %d token %q: well formed %v, model says %v", nbytes, token, ok, wantOK)
		}
		if ok && hex.EncodeToString(sum[:]) != want {
			t.Fatalf("nbytes %d token %q: hash %x, model says %s", nbytes, token, sum, want)
		}
	})
}

// FuzzCheckUser checks that no accepted name resolves outside the
// credentials directory or to anything but its own record file.
func FuzzCheckUser(f *testing.F) {
	for _, s := range []string{"alice", "名前", "../x", "a/b", ".hidden", "", "a\x00b", "..", `a\b`, "x.json", strings.Repeat("a", 250), "a\u0085"} {
		f.Add(s)
	}
	const dir = "/srv/creds"
	f.Fuzz(func(t *testing.T, user string) {
		if checkUser(user) != nil {
			return
		}
		file := filepath.Join(dir, recordName(user))
		if filepath.Dir(file) != dir || filepath.Base(file) != recordName(user) {
			t.Fatalf("accepted %q resolves to %q", user, file)
		}
		if !utf8.ValidString(user) || strings.HasPrefix(user, ".") || strings.ContainsAny(user, "/\\\x00") || len(user) > maxUserLen {
			t.Fatalf("accepted %q", user)
		}
	})
}

// FuzzDecodeRecord checks that decoding never panics, that an accepted
// record names its user, that writing it again reads back the same, and
// that the one-pass scanner reads every record it takes exactly as
// encoding/json does.
func FuzzDecodeRecord(f *testing.F) {
	f.Add("alice", []byte(`{"email":"a@b.org","hashed_token":"`+ffHash+`","user":"alice"}`))
	f.Add("名前", []byte(`{"email":"a@b.org","hashed_token":"`+ffHash+`","user":"\u540d\u524d"}`))
	f.Add("x\U0001d11e", []byte(`{"email":"a@b.org","hashed_token":"`+ffHash+`","user":"x\ud834\udd1e"}`))
	f.Add("\ufffdx", []byte(`{"email":"a\/b","hashed_token":"`+ffHash+`","user":"\udd1ex","user2":"\t"}`))
	f.Add("alice", []byte(`{"user":"alice","email":null,"hashed_token":"`+ffHash+`","x":[1,{}]}`))
	f.Add("alice", []byte(` {"user" : "alice" ,"email":"","hashed_token":"`+ffHash+`","user":"alice"}`+"\n"))
	f.Add("alice", []byte(`{"email":"a@b.org","expires":"2026-01-02T03:04:05Z","hashed_token":"`+ffHash+`","previous_expires":"2026-01-01T00:00:00Z","previous_hashed_token":"`+ffHash+`","user":"alice"}`))
	f.Add("alice", []byte(`{"user":"alice","email":"a","hashed_token":"`+ffHash+`","expires":"2026-01-02T03:04:05.5+01:00"}`))
	f.Add("alice", []byte(`{"user":"alice","email":"a","hashed_token":"`+ffHash+`","expires":"0000-01-01T00:00:00+01:00"}`))
	f.Add("alice", []byte(`{"user":"alice","email":"a","hashed_token":"`+ffHash+`","previous_hashed_token":"`+ffHash+`"}`))
	f.Add("alice", []byte(`{"user":"alice"`))
	f.Add("alice", []byte(`[]`))
	f.Fuzz(func(t *testing.T, user string, data []byte) {
		if scanned, ok := scanRecord(data, nil); ok {
			decoded, err := decodeRecordJSON(data)
			if err != nil || !reflect.DeepEqual(rawStrings(scanned), rawStrings(decoded)) {
				t.Fatalf("scanned %q as %q; encoding/json: %q, %v", data, rawStrings(scanned), rawStrings(decoded), err)
			}
		}
		var email string
		e, err := decodeRecord(user, data, &email)
		if err != nil {
			return
		}
		if e.user != user {
			t.Fatalf("accepted %q for %q: %+v", data, user, e)
		}
		var email2 string
		// Times are written to the second: what is read back writes the
		// same bytes.
		written := encodeRecord(e.userOf(email))
		again, err := decodeRecord(user, written, &email2)
		if err != nil || email2 != email || again.hash != e.hash || !bytes.Equal(encodeRecord(again.userOf(email2)), written) {
			t.Fatalf("round trip of %q: %+v, %v", written, again, err)
		}
	})
}

// rawStrings returns the values of r, and which keys it had, to compare.
func rawStrings(r rawRecord) [7]string {
	return [7]string{string(r.name), string(r.email), string(r.hash), string(r.expires),
		string(r.prevHash), string(r.prevEx), strconv.Itoa(int(r.has))}
}
