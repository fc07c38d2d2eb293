package cache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ffHash = "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"

func TestEncodeRecordDesignVector(t *testing.T) {
	got := encodeRecord(User{User: "名前", Email: "a@b.org", HashedToken: ffHash})
	assert.Equal(t, `{"email":"a@b.org","hashed_token":"`+ffHash+`","user":"\u540d\u524d"}`, string(got))
}

func TestEncodeRecordPythonVectors(t *testing.T) {
	for _, v := range loadPyVectors(t).Records {
		t.Run(v.User[:min(len(v.User), 16)], func(t *testing.T) {
			got := encodeRecord(User{User: v.User, Email: v.Email, HashedToken: v.HashedToken})
			assert.Equal(t, v.File, string(got))
		})
	}
}

func TestDecodeRecordReadsPythonRecords(t *testing.T) {
	for _, v := range loadPyVectors(t).Records {
		t.Run(v.User[:min(len(v.User), 16)], func(t *testing.T) {
			var email string
			e, err := decodeRecord(v.User, []byte(v.File), &email)
			require.NoError(t, err)
			assert.Equal(t, User{User: v.User, Email: v.Email, HashedToken: v.HashedToken}, User{User: e.user, Email: email, HashedToken: hashHex(e.hash)})
			want, ok := hashToken(v.Token, defaultNBytes)
			require.True(t, ok)
			assert.Equal(t, want, e.hash)
			_, scanned := scanRecord([]byte(v.File), nil)
			assert.True(t, scanned, "read in one pass")
		})
	}
}

func TestDecodeRecord(t *testing.T) {
	upper := strings.ToUpper(ffHash)
	for _, tc := range []struct {
		name, data string
		ok         bool
	}{
		{"compact", `{"email":"a@b.org","hashed_token":"` + ffHash + `","user":"alice"}`, true},
		{"pretty with newline", "{\n  \"user\": \"alice\",\n  \"email\": \"a@b.org\",\n  \"hashed_token\": \"" + ffHash + "\"\n}\n", true},
		{"unknown key", `{"user":"alice","email":"a@b.org","hashed_token":"` + ffHash + `","created":1}`, true},
		{"upper-case hash", `{"user":"alice","email":"a@b.org","hashed_token":"` + upper + `"}`, true},
		{"any email", `{"user":"alice","email":"not an address","hashed_token":"` + ffHash + `"}`, true},
		{"other user", `{"user":"mallory","email":"a@b.org","hashed_token":"` + ffHash + `"}`, false},
		{"user key in other case", `{"USER":"alice","email":"a@b.org","hashed_token":"` + ffHash + `"}`, false},
		{"short hash", `{"user":"alice","email":"a@b.org","hashed_token":"` + ffHash[:63] + `"}`, false},
		{"non-hex hash", `{"user":"alice","email":"a@b.org","hashed_token":"` + ffHash[:63] + `g"}`, false},
		{"numeric hash", `{"user":"alice","email":"a@b.org","hashed_token":1}`, false},
		{"missing email", `{"user":"alice","hashed_token":"` + ffHash + `"}`, false},
		{"array", `["alice"]`, false},
		{"truncated", `{"user":"alice","email":"a@b.org","hashed_token":"` + ffHash, false},
		{"empty", ``, false},
		{"two objects", `{"user":"alice"}{"user":"alice"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := decodeRecord("alice", []byte(tc.data), nil)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, "alice", e.user)
			} else {
				assert.ErrorIs(t, err, errBadRecord)
			}
		})
	}
}

func TestCheckRecord(t *testing.T) {
	good := []byte(`{"email":"a@b.org","hashed_token":"` + ffHash + `","user":"alice"}`)
	assert.NoError(t, CheckRecord("alice", good))
	assert.ErrorIs(t, CheckRecord("bob", good), ErrNotRegistered, "a record naming another user")
	assert.ErrorIs(t, CheckRecord("alice", []byte(`{"hashed_token":"`+ffHash+`","user":"alice"}`)), errBadRecord, "no email")
	assert.ErrorIs(t, CheckRecord("../alice", good), ErrInvalidUser)
}
