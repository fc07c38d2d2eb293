package cache

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClocks are a memo clock and a wall clock that move together, and
// only when told to: the wall clock is base plus the memo clock.
type testClocks struct {
	testClock
	base time.Time
}

func (c *testClocks) wall() time.Time { return c.base.Add(c.now()) }

// newTestClocks returns clocks whose wall clock starts at base.
func newTestClocks(base string) *testClocks {
	t, err := time.Parse(time.RFC3339Nano, base)
	if err != nil {
		panic(err)
	}
	return &testClocks{base: t}
}

func withClocks(c *testClocks) Option {
	return func(cfg *config) error {
		cfg.clock, cfg.wall = c.now, c.wall
		return nil
	}
}

// newClockedCache returns a cache on a new directory whose clocks are
// clk, that never watches and trusts what it read for 1,000 days of clk, so
// that what it answers from memory is told from what it reads again by
// its store's reads.
func newClockedCache(t *testing.T, clk *testClocks) (*Cache, *countingStore) {
	t.Helper()
	var cs *countingStore
	c := newTestCache(t, withClocks(clk), withCountingStore(&cs), WithWatch(false), WithPollInterval(1000*24*time.Hour))
	cs.clock = &clk.testClock
	return c, cs
}

// recordOf returns the bytes of user's record file.
func recordOf(t *testing.T, c *Cache, user string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.CredsDir(), user+recordExt))
	require.NoError(t, err)
	return string(data)
}

// hashOf returns the stored hash of token.
func hashOf(t *testing.T, c *Cache, token string) string {
	t.Helper()
	h, err := c.HashToken(token)
	require.NoError(t, err)
	return h
}

// verifies checks what Verify answers for user and token: "ok", "expired"
// or "refused", and fails the test on any other error.
func verifies(t *testing.T, c *Cache, user, token string) string {
	t.Helper()
	ok, err := c.Verify(user, token)
	switch {
	case ok && err == nil:
		return "ok"
	case !ok && err == ErrTokenExpired: // the sentinel itself: no allocation
		return "expired"
	case !ok && err == nil:
		return "refused"
	}
	t.Fatalf("Verify(%q): %v, %v", user, ok, err)
	return ""
}

func TestEncodeRecordWithExpiry(t *testing.T) {
	exp := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	prevExp := time.Date(2026, 3, 2, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		u    User
		want string
	}{
		{"neither", User{User: "名前", Email: "a@b.org", HashedToken: ffHash},
			`{"email":"a@b.org","hashed_token":"` + ffHash + `","user":"\u540d\u524d"}`},
		{"expires", User{User: "名前", Email: "a@b.org", HashedToken: ffHash, Expires: exp},
			`{"email":"a@b.org","expires":"2026-03-31T12:00:00Z","hashed_token":"` + ffHash + `","user":"\u540d\u524d"}`},
		{"previous, in UTC", User{User: "ci", Email: "a@b.org", HashedToken: ffHash, PreviousHashedToken: strings.Repeat("0", 64), PreviousExpires: prevExp},
			`{"email":"a@b.org","hashed_token":"` + ffHash + `","previous_expires":"2026-03-02T11:00:00Z","previous_hashed_token":"` + strings.Repeat("0", 64) + `","user":"ci"}`},
		{"both, to the second", User{User: "ci", Email: "a@b.org", HashedToken: ffHash, Expires: exp.Add(999 * time.Millisecond), PreviousHashedToken: ffHash, PreviousExpires: prevExp},
			`{"email":"a@b.org","expires":"2026-03-31T12:00:00Z","hashed_token":"` + ffHash + `","previous_expires":"2026-03-02T11:00:00Z","previous_hashed_token":"` + ffHash + `","user":"ci"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeRecord(tc.u)
			assert.Equal(t, tc.want, string(got))
			r, err := decodeRecord(tc.u.User, got, nil)
			require.NoError(t, err)
			_, scanned := scanRecord(got, nil)
			assert.True(t, scanned, "read in one pass")
			assert.Equal(t, string(got), string(encodeRecord(r.userOf(tc.u.Email))), "read back")
		})
	}
}

func TestDecodeRecordExpiry(t *testing.T) {
	rec := func(extra string) string {
		return `{"email":"a@b.org","hashed_token":"` + ffHash + `","user":"alice"` + extra + `}`
	}
	prev := `,"previous_hashed_token":"` + ffHash + `"`
	for _, tc := range []struct {
		name, data string
		expires    string // RFC 3339 of what is read; "" for none
	}{
		{"none", rec(""), ""},
		{"UTC seconds", rec(`,"expires":"2026-03-31T12:00:00Z"`), "2026-03-31T12:00:00Z"},
		{"an offset", rec(`,"expires":"2026-03-31T14:00:00+02:00"`), "2026-03-31T12:00:00Z"},
		{"a fraction", rec(`,"expires":"2026-03-31T12:00:00.5Z"`), "2026-03-31T12:00:00.5Z"},
		{"escaped", rec(`,"expires":"2026-03-31T12:00:00\u005a"`), "2026-03-31T12:00:00Z"},
		{"with a previous token", rec(prev + `,"previous_expires":"2026-03-01T00:00:00Z"`), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := decodeRecord("alice", []byte(tc.data), nil)
			require.NoError(t, err)
			if tc.expires == "" {
				assert.True(t, r.expires.IsZero())
			} else {
				assert.Equal(t, tc.expires, r.expires.Format(time.RFC3339Nano))
			}
		})
	}
	for _, tc := range []struct{ name, data string }{
		{"empty expires", rec(`,"expires":""`)},
		{"a date", rec(`,"expires":"2026-03-31"`)},
		{"Unix seconds", rec(`,"expires":1774958400`)},
		{"null expires", rec(`,"expires":null`)},
		{"no zone", rec(`,"expires":"2026-03-31T12:00:00"`)},
		{"the zero time", rec(`,"expires":"0001-01-01T00:00:00Z"`)},
		{"before year 1 in UTC", rec(`,"expires":"0001-01-01T00:00:00+01:00"`)},
		{"previous hash alone", rec(prev)},
		{"previous expiry alone", rec(`,"previous_expires":"2026-03-01T00:00:00Z"`)},
		{"short previous hash", rec(`,"previous_expires":"2026-03-01T00:00:00Z","previous_hashed_token":"ff"`)},
		{"bad previous expiry", rec(prev + `,"previous_expires":"soon"`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeRecord("alice", []byte(tc.data), nil)
			require.ErrorIs(t, err, errBadRecord)
			assert.ErrorIs(t, CheckRecord("alice", []byte(tc.data)), errBadRecord)
		})
	}
}

func TestTokenOptionErrors(t *testing.T) {
	c := newTestCache(t)
	for _, tc := range []struct {
		name string
		opt  TokenOption
	}{
		{"expiry under a second", ExpiresAfter(999 * time.Millisecond)},
		{"zero expiry", ExpiresAfter(0)},
		{"negative expiry", ExpiresAfter(-time.Hour)},
		{"KeepPrevious on Register", KeepPrevious(time.Hour)},
		{"nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Register("alice", "a@b.org", tc.opt)
			require.Error(t, err)
			ok, _ := c.UserExists("alice")
			assert.False(t, ok, "a refused Register wrote a record")
		})
	}
	_, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	before := recordOf(t, c, "alice")
	for _, opt := range []TokenOption{KeepPrevious(999 * time.Millisecond), ExpiresAfter(time.Millisecond)} {
		_, err := c.Reset("alice", "a@b.org", opt)
		require.Error(t, err)
	}
	assert.Equal(t, before, recordOf(t, c, "alice"), "a refused Reset changed the record")
}

// TestExpiresAfter: the record holds the issue time plus d, truncated to
// the second, and the token verifies while the time is before it, from
// memory as from the store.
func TestExpiresAfter(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00.7Z")
	c, cs := newClockedCache(t, clk)
	token, err := c.Register("alice", "a@b.org", ExpiresAfter(720*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, `{"email":"a@b.org","expires":"2026-03-31T12:00:00Z","hashed_token":"`+hashOf(t, c, token)+`","user":"alice"}`,
		recordOf(t, c, "alice"))
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), u.Expires)
	assert.Empty(t, u.PreviousHashedToken)

	assert.Equal(t, "ok", verifies(t, c, "alice", token))
	reads := cs.reads["alice"]

	// 720 h less the 0.7 s truncated: the last nanosecond it verifies.
	clk.advance(720*time.Hour - 700*time.Millisecond - 1)
	assert.Equal(t, "ok", verifies(t, c, "alice", token))
	assert.Equal(t, "refused", verifies(t, c, "alice", strings.Repeat("1", 40)), "a wrong token")
	clk.advance(1) // now == expires: no longer before it
	assert.Equal(t, "expired", verifies(t, c, "alice", token))
	assert.Equal(t, reads, cs.reads["alice"], "answered from memory: the entry expired with its token, not after it")
	assert.Equal(t, "refused", verifies(t, c, "alice", strings.Repeat("1", 40)), "a wrong token is still just wrong")

	c.memo.Changed("alice")
	assert.Equal(t, "expired", verifies(t, c, "alice", token), "read from the store")
	assert.Greater(t, cs.reads["alice"], reads)

	// Another cache, started after the expiry, reads it so too.
	other := newTestCacheIn(t, c.CredsDir(), withClocks(clk))
	assert.Equal(t, "expired", verifies(t, other, "alice", token))
	exists, err := other.UserExists("alice")
	require.NoError(t, err)
	assert.True(t, exists, "the record of an expired token is still there")

	// A Reset issues a token that works again, without expiry unless asked.
	next, err := c.Reset("alice", "a@b.org")
	require.NoError(t, err)
	assert.Equal(t, "ok", verifies(t, c, "alice", next))
	assert.Equal(t, `{"email":"a@b.org","hashed_token":"`+hashOf(t, c, next)+`","user":"alice"}`, recordOf(t, c, "alice"),
		"a token without expiry is stored in the Python format")
}

// TestExpiryOnTheRealClock: with the real clocks, a token is refused from
// the moment its expiry comes, never before, and from then on.
func TestExpiryOnTheRealClock(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org", ExpiresAfter(2*time.Second))
	require.NoError(t, err)
	u, err := c.LoadUser("alice")
	require.NoError(t, err)
	require.False(t, u.Expires.IsZero())
	var refusedAt time.Time
	waitFor(t, "the token to expire", func() bool {
		before := time.Now()
		ok, err := c.Verify("alice", token)
		if ok {
			return false
		}
		require.ErrorIs(t, err, ErrTokenExpired)
		require.False(t, before.Before(u.Expires.Add(-time.Millisecond)), "refused at %v, before it expires at %v", before, u.Expires)
		refusedAt = time.Now()
		return true
	})
	assert.WithinDuration(t, u.Expires, refusedAt, time.Second, "refused long after it expired")
	for range 100 {
		assert.Equal(t, "expired", verifies(t, c, "alice", token))
	}
}

// TestKeepPrevious: during the grace both tokens work, after it only the
// new one; the grace ends at the replaced token's own expiry if that
// comes first.
func TestKeepPrevious(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00.25Z")
	c, cs := newClockedCache(t, clk)
	old, err := c.Register("ci", "ci@example.org")
	require.NoError(t, err)
	clk.advance(time.Hour)
	next, err := c.Reset("ci", "ci@example.org", KeepPrevious(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, `{"email":"ci@example.org","hashed_token":"`+hashOf(t, c, next)+
		`","previous_expires":"2026-03-02T13:00:00Z","previous_hashed_token":"`+hashOf(t, c, old)+`","user":"ci"}`,
		recordOf(t, c, "ci"))
	u, err := c.LoadUser("ci")
	require.NoError(t, err)
	assert.Equal(t, hashOf(t, c, old), u.PreviousHashedToken)
	assert.True(t, u.Expires.IsZero())

	assert.Equal(t, "ok", verifies(t, c, "ci", old))
	assert.Equal(t, "ok", verifies(t, c, "ci", next))
	reads := cs.reads["ci"]
	clk.advance(24*time.Hour - 250*time.Millisecond - 1)
	assert.Equal(t, "ok", verifies(t, c, "ci", old), "the last moment of the grace")
	clk.advance(1)
	assert.Equal(t, "expired", verifies(t, c, "ci", old), "past the grace")
	assert.Equal(t, "ok", verifies(t, c, "ci", next), "the new token after the grace")
	assert.Equal(t, reads, cs.reads["ci"], "answered from memory")

	assert.ErrorIs(t, c.Deregister("ci", old), ErrInvalidToken, "Deregister needs the current token")

	t.Run("the grace ends with the replaced token", func(t *testing.T) {
		first, err := c.Register("short", "s@example.org", ExpiresAfter(time.Hour))
		require.NoError(t, err)
		u, err := c.LoadUser("short")
		require.NoError(t, err)
		second, err := c.Reset("short", "s@example.org", KeepPrevious(24*time.Hour), ExpiresAfter(48*time.Hour))
		require.NoError(t, err)
		v, err := c.LoadUser("short")
		require.NoError(t, err)
		assert.Equal(t, u.Expires, v.PreviousExpires, "min(now + 24 h, the old token's expiry)")
		assert.Equal(t, clk.wall().Add(48*time.Hour).Truncate(time.Second), v.Expires)
		assert.Equal(t, "ok", verifies(t, c, "short", first))
		clk.advance(time.Hour)
		assert.Equal(t, "expired", verifies(t, c, "short", first))
		assert.Equal(t, "ok", verifies(t, c, "short", second))
		clk.advance(47 * time.Hour)
		assert.Equal(t, "expired", verifies(t, c, "short", second))
	})
}

// TestResetEndsOlderTokens: a plain Reset ends the current token and the
// one a grace kept, at once; a Reset with KeepPrevious during a grace
// keeps the token it replaces, and ends the one kept before.
func TestResetEndsOlderTokens(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00Z")
	c, _ := newClockedCache(t, clk)
	const user, email = "ci", "ci@example.org"
	t1, err := c.Register(user, email)
	require.NoError(t, err)
	t2, err := c.Reset(user, email, KeepPrevious(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, "ok", verifies(t, c, user, t1))

	t3, err := c.Reset(user, email, KeepPrevious(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "refused", verifies(t, c, user, t1), "kept before: ended by the next Reset")
	assert.Equal(t, "ok", verifies(t, c, user, t2), "replaced now: kept")
	assert.Equal(t, "ok", verifies(t, c, user, t3))
	assert.Contains(t, recordOf(t, c, user), `"previous_hashed_token":"`+hashOf(t, c, t2)+`"`)
	assert.NotContains(t, recordOf(t, c, user), hashOf(t, c, t1), "at most one previous token")

	t4, err := c.Reset(user, email)
	require.NoError(t, err)
	assert.Equal(t, "refused", verifies(t, c, user, t2), "a plain Reset ends the kept token")
	assert.Equal(t, "refused", verifies(t, c, user, t3), "and the replaced one")
	assert.Equal(t, "ok", verifies(t, c, user, t4))
	assert.Equal(t, `{"email":"ci@example.org","hashed_token":"`+hashOf(t, c, t4)+`","user":"ci"}`, recordOf(t, c, user))
}

// TestDeregisterExpired: an expired token no longer removes its user.
func TestDeregisterExpired(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00Z")
	c, _ := newClockedCache(t, clk)
	token, err := c.Register("alice", "a@b.org", ExpiresAfter(time.Hour))
	require.NoError(t, err)
	clk.advance(time.Hour)
	err = c.Deregister("alice", token)
	require.ErrorIs(t, err, ErrTokenExpired)
	assert.NotContains(t, err.Error(), token)
	exists, err := c.UserExists("alice")
	require.NoError(t, err)
	assert.True(t, exists)

	token, err = c.Reset("alice", "a@b.org", ExpiresAfter(time.Hour))
	require.NoError(t, err)
	require.NoError(t, c.Deregister("alice", token))
}

// TestUnparsableExpiryFails: a record whose expiry cannot be read fails
// verification, is never cached, and never accepts.
func TestUnparsableExpiryFails(t *testing.T) {
	c := newTestCache(t)
	token, err := c.Register("alice", "a@b.org")
	require.NoError(t, err)
	rec := `{"email":"a@b.org","expires":"next Tuesday","hashed_token":"` + hashOf(t, c, token) + `","user":"alice"}`
	require.NoError(t, writeFileAt(c.CredsDir(), "alice", []byte(rec)))
	waitFor(t, "the unusable record read", func() bool {
		_, err := c.Verify("alice", token)
		return err != nil
	})
	for range 3 {
		ok, err := c.Verify("alice", token)
		assert.False(t, ok)
		require.ErrorIs(t, err, errBadRecord)
		assert.False(t, errors.Is(err, ErrTokenExpired))
		u, _ := cached(c, "alice")
		assert.False(t, u, "an unusable record was cached")
	}
	_, err = c.Reset("alice", "a@b.org")
	assert.ErrorIs(t, err, errBadRecord, "Reset of an unusable record")
}

// TestExpiryAcrossCaches: a second cache on the same directory sees the
// expiry and the grace of records the first writes, and drops its
// entries when they change.
func TestExpiryAcrossCaches(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00Z")
	dir := t.TempDir()
	a := newTestCacheIn(t, dir, withClocks(clk))
	b := newTestCacheIn(t, dir, withClocks(clk))
	old, err := a.Register("ci", "ci@example.org", ExpiresAfter(30*24*time.Hour))
	require.NoError(t, err)
	waitFor(t, "b to accept the token", func() bool { ok, _ := b.Verify("ci", old); return ok })

	next, err := a.Reset("ci", "ci@example.org", KeepPrevious(24*time.Hour), ExpiresAfter(30*24*time.Hour))
	require.NoError(t, err)
	waitFor(t, "b to accept the new token", func() bool { ok, _ := b.Verify("ci", next); return ok })
	assert.Equal(t, "ok", verifies(t, b, "ci", old), "the old one during the grace")

	clk.advance(24 * time.Hour)
	waitFor(t, "b to refuse the old token", func() bool { _, err := b.Verify("ci", old); return err == ErrTokenExpired })
	assert.Equal(t, "ok", verifies(t, b, "ci", next))
	clk.advance(29 * 24 * time.Hour)
	waitFor(t, "b to refuse the new token", func() bool { _, err := b.Verify("ci", next); return err == ErrTokenExpired })
	assert.Equal(t, "expired", verifies(t, a, "ci", next))
}

func TestDeadline(t *testing.T) {
	wall := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, int64(never), deadline(time.Time{}, 5, wall), "no expiry")
	assert.Equal(t, int64(5+int64(time.Second)), deadline(wall.Add(time.Second), 5, wall))
	assert.Equal(t, int64(5-int64(time.Second)), deadline(wall.Add(-time.Second), 5, wall), "already past")
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	assert.Equal(t, int64(never), deadline(far, 1<<62, wall), "saturates, not wraps")
	long := time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)
	assert.Less(t, deadline(long, -1<<62, wall), int64(-1<<62), "saturates below")
}

// TestExpiryAcrossProcesses: another process on the directory refuses an
// expired token, keeps a replaced one during its grace, sees a token
// expire while it holds it in memory, and drops both old tokens when a
// plain Reset ends them.
func TestExpiryAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	c := newTestCacheIn(t, dir)
	register := func(user string, opts ...TokenOption) string {
		token, err := c.Register(user, user+"@example.org", opts...)
		require.NoError(t, err)
		return token
	}
	forever := register("forever")
	month := register("month", ExpiresAfter(720*time.Hour))
	soon := register("soon", ExpiresAfter(2*time.Second))
	old := register("ci")
	next, err := c.Reset("ci", "ci@example.org", KeepPrevious(24*time.Hour))
	require.NoError(t, err)
	// Written as another program would: an expiry an hour ago.
	past := newHexToken(t)
	require.NoError(t, writeFileAt(dir, "past", encodeRecord(User{User: "past", Email: "p@example.org",
		HashedToken: hashOf(t, c, past), Expires: time.Now().Add(-time.Hour)})))

	child := spawnChild(t, "verifier", dir)
	child.expect(t, "ready")
	ask := func(cmd, user, token string) string {
		t.Helper()
		child.send(t, cmd+" "+user+" "+token)
		line, ok := child.next(t)
		require.True(t, ok, "the verifier's output ended; stderr: %s", child.stderr.String())
		return line
	}
	for _, tc := range []struct{ user, token, want string }{
		{"forever", forever, "ok"},
		{"month", month, "ok"},
		{"past", past, "expired"},
		{"ci", old, "ok"},
		{"ci", next, "ok"},
		{"ci", forever, "refused"},
	} {
		assert.Equal(t, tc.want, ask("verify", tc.user, tc.token), "%s", tc.user)
	}

	u, err := c.LoadUser("soon")
	require.NoError(t, err)
	f := strings.Fields(ask("until-expired", "soon", soon))
	require.Len(t, f, 2, "%q", f)
	ns, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(t, err)
	refused := time.Unix(0, ns)
	assert.False(t, refused.Before(u.Expires), "refused at %v, before it expires at %v", refused, u.Expires)
	assert.WithinDuration(t, u.Expires, refused, 2*time.Second)
	assert.Equal(t, "expired", ask("verify", "soon", soon))

	last, err := c.Reset("ci", "ci@example.org")
	require.NoError(t, err)
	waitFor(t, "the other process to take the plain reset", func() bool { return ask("verify", "ci", last) == "ok" })
	assert.Equal(t, "refused", ask("verify", "ci", old))
	assert.Equal(t, "refused", ask("verify", "ci", next))
	child.finish(t)
}

// verifierChild answers lines "verify USER TOKEN" with "ok", "expired",
// "refused" or "error: …", and "until-expired USER TOKEN", after
// verifying until the token is refused (for at most childTimeout), with
// "expired NANOS": the Unix time, in nanoseconds, read right after the
// first refusal.
func verifierChild(dir string, in *bufio.Scanner, out io.Writer) error {
	c, err := openChildCache(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintln(out, "ready")
	answer := func(ok bool, err error) string {
		switch {
		case ok && err == nil:
			return "ok"
		case errors.Is(err, ErrTokenExpired):
			return "expired"
		case err == nil:
			return "refused"
		}
		return "error: " + err.Error()
	}
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) != 3 {
			return fmt.Errorf("bad command %q", in.Text())
		}
		switch f[0] {
		case "verify":
			fmt.Fprintln(out, answer(c.Verify(f[1], f[2])))
		case "until-expired":
			deadline := time.Now().Add(childTimeout)
			for {
				a := answer(c.Verify(f[1], f[2]))
				now := time.Now()
				if a != "ok" {
					fmt.Fprintln(out, a, now.UnixNano())
					break
				}
				if now.After(deadline) {
					return errors.New("the token never expired")
				}
				time.Sleep(time.Millisecond)
			}
		default:
			return fmt.Errorf("bad command %q", f[0])
		}
	}
	return in.Err()
}

func TestIssued(t *testing.T) {
	clk := newTestClocks("2026-03-01T12:00:00.5Z")
	c, _ := newClockedCache(t, clk)
	var u User
	token, err := c.Register("ci", "ci@example.org", ExpiresAfter(time.Hour), Issued(&u))
	require.NoError(t, err)
	want, err := c.LoadUser("ci")
	require.NoError(t, err)
	assert.Equal(t, want, u)
	assert.Equal(t, "2026-03-01T13:00:00Z", u.Expires.Format(time.RFC3339))

	var r User
	_, err = c.Reset("ci", "ci@example.org", KeepPrevious(24*time.Hour), Issued(&r))
	require.NoError(t, err)
	want, err = c.LoadUser("ci")
	require.NoError(t, err)
	assert.Equal(t, want, r)
	assert.Equal(t, hashOf(t, c, token), r.PreviousHashedToken)
	assert.Equal(t, u.Expires, r.PreviousExpires, "the old token's own expiry comes first")

	var refused User
	_, err = c.Reset("ci", "other@example.org", Issued(&refused))
	require.ErrorIs(t, err, ErrEmailMismatch)
	assert.Equal(t, User{}, refused, "nothing written, nothing reported")
	_, err = c.Register("x", "x@example.org", Issued(nil))
	assert.Error(t, err)
}
