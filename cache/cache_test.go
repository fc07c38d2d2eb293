package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestRegisterVerify(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	assert.Regexp(t, tokenPattern, token)

	ok, err := c.Verify("alice", token)
	require.NoError(t, err)
	assert.True(t, ok, "own token")
	ok, err = c.Verify("alice", strings.ToUpper(token))
	require.NoError(t, err)
	assert.True(t, ok, "same value in upper case")

	for _, wrong := range []string{strings.Repeat("0", 40), "ff", "zz", "", token + "0"} {
		ok, err := c.Verify("alice", wrong)
		require.NoError(t, err, "token %q", wrong)
		assert.False(t, ok, "token %q", wrong)
	}

	ok, err = c.Verify("bob", token)
	assert.ErrorIs(t, err, ErrNotRegistered)
	assert.False(t, ok)
	ok, err = c.Verify("../alice", token)
	assert.ErrorIs(t, err, ErrInvalidUser)
	assert.False(t, ok)
}

func TestRegisterWritesPythonRecord(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("名前", "a@b.org")
	require.NoError(t, err)
	hashed, err := c.HashToken(token)
	require.NoError(t, err)

	file, err := c.UserCredFile("名前")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(c.CredsDir(), "名前.json"), file)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, `{"email":"a@b.org","hashed_token":"`+hashed+`","user":"\u540d\u524d"}`, string(data))
	assert.NotContains(t, string(data), token)
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
}

func TestReadsPythonDirectory(t *testing.T) {
	dir := t.TempDir()
	v := loadPyVectors(t)
	var valid int
	for _, r := range v.Records {
		if checkUser(r.User) != nil {
			continue
		}
		valid++
		require.NoError(t, os.WriteFile(filepath.Join(dir, r.User+".json"), []byte(r.File), 0o600))
	}
	require.Greater(t, valid, 8)
	c := newTestCacheIn(t, dir)
	for _, r := range v.Records {
		if checkUser(r.User) != nil {
			continue
		}
		ok, err := c.Verify(r.User, r.Token)
		require.NoError(t, err, r.User)
		assert.True(t, ok, r.User)
		u, err := c.GetUser(r.User)
		require.NoError(t, err)
		assert.Equal(t, User{User: r.User, Email: r.Email, HashedToken: r.HashedToken}, u)
	}
	users, err := c.Users()
	require.NoError(t, err)
	assert.Len(t, users, valid)
	assert.IsNonDecreasing(t, users)
}

func TestRegisterTwice(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	_, err = c.Register("alice", "other@b.org")
	assert.ErrorIs(t, err, ErrAlreadyRegistered)
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	assert.Equal(t, "a@b.org", u.Email)
	ok, err := c.Verify("alice", token)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestRegisterConcurrentlyInProcess(t *testing.T) {
	c := newTestCache(t)
	const n = 16
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { tokens[i], errs[i] = c.Register("alice", "a@b.org") })
	}
	wg.Wait()
	var winners int
	for i := range n {
		if errs[i] == nil {
			winners++
			ok, err := c.Verify("alice", tokens[i])
			require.NoError(t, err)
			assert.True(t, ok)
		} else {
			assert.ErrorIs(t, errs[i], ErrAlreadyRegistered)
		}
	}
	assert.Equal(t, 1, winners)
}

func TestReset(t *testing.T) {
	c := newTestCache(t)
	old, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)

	_, err = c.Reset("alice", "A@b.org")
	assert.ErrorIs(t, err, ErrEmailMismatch)
	_, err = c.Reset("bob", "a@b.org")
	assert.ErrorIs(t, err, ErrNotRegistered)
	_, err = c.Reset("alice", "not an email")
	assert.ErrorIs(t, err, ErrInvalidEmail)
	ok, err := c.Verify("alice", old)
	require.NoError(t, err)
	assert.True(t, ok, "failed resets leave the token alone")

	token, err := c.Reset("alice", "a@b.org")
	require.NoError(t, err)
	assert.Regexp(t, tokenPattern, token)
	assert.NotEqual(t, old, token)
	ok, err = c.Verify("alice", old)
	require.NoError(t, err)
	assert.False(t, ok, "old token after reset")
	ok, err = c.Verify("alice", token)
	require.NoError(t, err)
	assert.True(t, ok, "new token after reset")
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	assert.Equal(t, "a@b.org", u.Email)
}

func TestDeregister(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)

	for _, wrong := range []string{strings.Repeat("1", 40), "zz", ""} {
		err := c.Deregister("alice", wrong)
		assert.ErrorIs(t, err, ErrInvalidToken, "token %q", wrong)
		assert.NotContains(t, err.Error(), token)
	}
	exists, err := c.UserExists("alice")
	require.NoError(t, err)
	assert.True(t, exists)

	require.NoError(t, c.Deregister("alice", token))
	exists, err = c.UserExists("alice")
	require.NoError(t, err)
	assert.False(t, exists)
	ok, err := c.Verify("alice", token)
	assert.ErrorIs(t, err, ErrNotRegistered)
	assert.False(t, ok)
	assert.ErrorIs(t, c.Deregister("alice", token), ErrNotRegistered)

	_, err = c.Register("alice", "a@b.org")
	assert.NoError(t, err, "a deregistered name is free again")
}

func TestLowerLevelOperations(t *testing.T) {
	c := newTestCache(t)
	hashed, err := c.HashToken("ff")
	require.NoError(t, err)

	require.NoError(t, c.WriteUser("bob", "b@c.org", strings.ToUpper(hashed)))
	u, err := c.GetUser("bob")
	require.NoError(t, err)
	assert.Equal(t, User{User: "bob", Email: "b@c.org", HashedToken: hashed}, u)
	ok, err := c.Verify("bob", "00FF")
	require.NoError(t, err)
	assert.True(t, ok)

	other, err := c.HashToken("ee")
	require.NoError(t, err)
	require.NoError(t, c.WriteUser("bob", "b@c.org", other), "WriteUser replaces")
	ok, err = c.Verify("bob", "ff")
	require.NoError(t, err)
	assert.False(t, ok)

	assert.Error(t, c.WriteUser("bob", "b@c.org", "ff"), "hash too short")
	assert.ErrorIs(t, c.WriteUser("bob", "nope", other), ErrInvalidEmail)

	require.NoError(t, c.RemoveUser("bob"))
	assert.ErrorIs(t, c.RemoveUser("bob"), ErrNotRegistered)
	_, err = c.GetUser("bob")
	assert.ErrorIs(t, err, ErrNotRegistered)
	_, err = c.LoadUser("bob")
	assert.ErrorIs(t, err, ErrNotRegistered)

	users, err := c.Users()
	require.NoError(t, err)
	assert.Empty(t, users)
}

func TestUsersListsOnlyRecords(t *testing.T) {
	c := newTestCache(t)
	for _, u := range []string{"carol", "alice", "bob"} {
		_, err := c.Register(u, u+"@b.org")
		require.NoError(t, err)
	}
	dir := c.CredsDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".hidden.json"), nil, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.json"), 0o700))
	users, err := c.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "bob", "carol"}, users)
}

func TestSeedMakesTokensReproducible(t *testing.T) {
	register := func(seed uint64) string {
		c := newTestCache(t, WithSeed(seed))
		token, err := c.Register("alice", "a@b.org")
		require.NoError(t, err)
		return token
	}
	assert.Equal(t, register(7), register(7))
	assert.NotEqual(t, register(7), register(8))
}

func TestNBytes(t *testing.T) {
	c := newTestCache(t, WithNBytes(4))
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{8}$`, token)
	ok, err := c.Verify("alice", token)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = c.HashToken("1ffffffff")
	assert.ErrorIs(t, err, ErrMalformedToken, "value needs 5 bytes")
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]Option{
		"nbytes 0":      WithNBytes(0),
		"nbytes 129":    WithNBytes(129),
		"nil rand":      WithRand(nil),
		"nil logger":    WithLogger(nil),
		"zero poll":     WithPollInterval(0),
		"zero entries":  WithMaxEntries(0),
		"negative poll": WithPollInterval(-1),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(t.TempDir(), opt)
			assert.Error(t, err)
			assert.Nil(t, c)
		})
	}
}

func TestNewCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "creds")
	c := newTestCacheIn(t, dir)
	assert.Equal(t, dir, c.CredsDir())
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), fi.Mode().Perm())
}

func TestNewRejectsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "creds")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := New(file, WithLogger(quietLog))
	assert.Error(t, err)
}

func TestDefaultCredsDir(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		creds, data, xdg, hm string
		want                 string
	}{
		{"creds dir", "/c", "/d", "/x", "/h", "/c"},
		{"data dir", "", "/d", "/x", "/h", "/d/creds"},
		{"xdg", "", "", "/x", "/h", "/x/fixie/creds"},
		{"home", "", "", "", "/h", "/h/.local/share/fixie/creds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FIXIE_CREDS_DIR", tc.creds)
			t.Setenv("FIXIE_DATA_DIR", tc.data)
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.hm)
			got, err := DefaultCredsDir()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNewWithEmptyDirUsesDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "env")
	t.Setenv("FIXIE_CREDS_DIR", dir)
	c := newTestCacheIn(t, "")
	assert.Equal(t, dir, c.CredsDir())
}

func TestClosed(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")

	_, err = c.Verify("alice", token)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Register("bob", "a@b.org")
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Reset("alice", "a@b.org")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, c.Deregister("alice", token), ErrClosed)
	_, err = c.GetUser("alice")
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Users()
	assert.ErrorIs(t, err, ErrClosed)
}

// snapshot lists every path below root with its content, to show that an
// operation changed nothing.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var data []byte
		if d.Type().IsRegular() {
			data, err = os.ReadFile(path)
		}
		files[path] = string(data)
		return err
	}))
	return files
}

func TestBadInputTouchesNothing(t *testing.T) {
	base := t.TempDir()
	c := newTestCacheIn(t, filepath.Join(base, "creds"))
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(base, "x.json"), []byte("outside"), 0o600))
	before := snapshot(t, base)

	badUsers := []string{"../x", "a/b", ".hidden", "", strings.Repeat("a", 300), "a\x00b", "..", "/etc/passwd", `..\x`, ".fixiecreds-lock"}
	for _, user := range badUsers {
		t.Run(user, func(t *testing.T) {
			_, err := c.Register(user, "a@b.org")
			assert.ErrorIs(t, err, ErrInvalidUser)
			_, err = c.Verify(user, token)
			assert.ErrorIs(t, err, ErrInvalidUser)
			_, err = c.Reset(user, "a@b.org")
			assert.ErrorIs(t, err, ErrInvalidUser)
			assert.ErrorIs(t, c.Deregister(user, token), ErrInvalidUser)
			assert.ErrorIs(t, c.WriteUser(user, "a@b.org", ffHash), ErrInvalidUser)
			assert.ErrorIs(t, c.RemoveUser(user), ErrInvalidUser)
			_, err = c.GetUser(user)
			assert.ErrorIs(t, err, ErrInvalidUser)
			_, err = c.LoadUser(user)
			assert.ErrorIs(t, err, ErrInvalidUser)
			_, err = c.UserExists(user)
			assert.ErrorIs(t, err, ErrInvalidUser)
			_, err = c.UserCredFile(user)
			assert.ErrorIs(t, err, ErrInvalidUser)
		})
	}
	for _, email := range []string{"", "nope", "A <a@b.org>", "a@b.org\nBcc: x@y.org"} {
		_, err := c.Register("carol", email)
		assert.ErrorIs(t, err, ErrInvalidEmail, "email %q", email)
	}
	for _, tok := range []string{"zz", "0x1f", strings.Repeat("f", 41)} {
		assert.ErrorIs(t, c.Deregister("alice", tok), ErrInvalidToken)
	}
	assert.Equal(t, before, snapshot(t, base))
}

func TestRecordSymlinkOutsideDirIsRefused(t *testing.T) {
	base := t.TempDir()
	c := newTestCacheIn(t, filepath.Join(base, "creds"))
	outside := filepath.Join(base, "evil.json")
	require.NoError(t, os.WriteFile(outside, encodeRecord(User{User: "evil", Email: "a@b.org", HashedToken: ffHash}), 0o600))
	for name, target := range map[string]string{"relative": "../evil.json", "absolute": outside} {
		t.Run(name, func(t *testing.T) {
			link := filepath.Join(c.CredsDir(), "evil.json")
			require.NoError(t, os.Symlink(target, link))
			waitFor(t, "the link seen", func() bool { return !knownAbsent(c, "evil") })
			ok, err := c.Verify("evil", "ff")
			assert.False(t, ok)
			require.Error(t, err)
			assert.False(t, errors.Is(err, ErrNotRegistered))

			// Once the link is replaced by a record, the user is served.
			require.NoError(t, os.Remove(link))
			hashed, err := c.HashToken("ee")
			require.NoError(t, err)
			require.NoError(t, c.WriteUser("evil", "a@b.org", hashed))
			ok, err = c.Verify("evil", "ee")
			require.NoError(t, err)
			assert.True(t, ok)
			require.NoError(t, c.RemoveUser("evil"))
		})
	}
}

func TestErrorsDoNotQuoteEmails(t *testing.T) {
	c := newTestCache(t)
	_, err := c.Register("alice", "secret-address")
	require.ErrorIs(t, err, ErrInvalidEmail)
	assert.NotContains(t, err.Error(), "secret-address")
	assert.Contains(t, err.Error(), `"alice"`)
}

// TestRecordOfAnotherNameIsNotRegistered: on a file system that folds case
// (simulated here by a link), "ALICE" opens alice.json. That record is not
// ALICE's, and the answer must be the one for any unknown name, so that a
// client cannot tell that a similar name exists.
func TestRecordOfAnotherNameIsNotRegistered(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	require.NoError(t, os.Symlink("alice.json", filepath.Join(c.CredsDir(), "ALICE.json")))
	ok, err := c.Verify("ALICE", token)
	assert.False(t, ok)
	assert.ErrorIs(t, err, ErrNotRegistered)
	assert.ErrorIs(t, c.Deregister("ALICE", token), ErrNotRegistered)
	_, err = c.Reset("ALICE", "a@b.org")
	assert.ErrorIs(t, err, ErrNotRegistered)
	assertVerifies(t, c, "alice", token)
}

// TestNewNamesArePRECIS shows that Register and WriteUser refuse a name
// that PRECIS UsernameCasePreserved would change or refuses, while records
// already on disk under such names keep working.
func TestNewNamesArePRECIS(t *testing.T) {
	dir := t.TempDir()
	c := newTestCacheIn(t, dir)
	legacy := []string{"bob ", " bob", " ", "cafe\u0301", "bo\u200bb", "ａｌｉｃｅ", "bob😀"}
	for _, user := range legacy {
		_, err := c.Register(user, "a@b.org")
		var ne *NameError
		assert.ErrorAs(t, err, &ne, "Register %q", user)
		assert.ErrorIs(t, err, ErrInvalidUser, "Register %q", user)
		assert.ErrorIs(t, c.WriteUser(user, "a@b.org", ffHash), ErrInvalidUser, "WriteUser %q", user)
		_, err = os.Stat(filepath.Join(dir, user+recordExt))
		assert.ErrorIs(t, err, os.ErrNotExist, "nothing written for %q", user)
	}

	// Records another program wrote under those names: verified, reset,
	// deregistered as before.
	for _, user := range legacy {
		require.NoError(t, writeFileAt(dir, user, encodeRecord(User{User: user, Email: "a@b.org", HashedToken: ffHash})))
	}
	for _, user := range legacy {
		// Seen once the watch delivers the new record.
		waitFor(t, "the legacy name verified", func() bool { return accepts(c, user, "ff") })
		token, err := c.Reset(user, "a@b.org")
		require.NoError(t, err, "Reset %q", user)
		assert.NoError(t, c.Deregister(user, token), "Deregister %q", user)
	}
}
