package cache

import (
	"encoding/hex"
	"path/filepath"
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
	f.Add("alice", []byte(`{"user":"alice"`))
	f.Add("alice", []byte(`[]`))
	f.Fuzz(func(t *testing.T, user string, data []byte) {
		if name, email, hashHex, ok := scanRecord(data, nil); ok {
			jname, jemail, jhash, err := decodeRecordJSON(data)
			if err != nil || jname != string(name) || jemail != string(email) || jhash != string(hashHex) {
				t.Fatalf("scanned %q as (%q, %q, %q); encoding/json: (%q, %q, %q), %v",
					data, name, email, hashHex, jname, jemail, jhash, err)
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
		again, err := decodeRecord(user, encodeRecord(User{User: e.user, Email: email, HashedToken: hashHex(e.hash)}), &email2)
		if err != nil || again.user != e.user || email2 != email || again.hash != e.hash {
			t.Fatalf("round trip of %+v: %+v, %v", e, again, err)
		}
	})
}
