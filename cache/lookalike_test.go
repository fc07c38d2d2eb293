package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewNamesAreHighlyRestrictive shows which mixes of scripts a new
// name may hold: TR39's "Highly Restrictive" level.
func TestNewNamesAreHighlyRestrictive(t *testing.T) {
	for _, tc := range []struct {
		user string
		ok   bool
	}{
		{"alice", true},
		{"jean-luc_42", true},
		{"Дмитрий", true},
		{"ελένη", true},
		{"名前", true},
		{"田中さん", true},        // Han, Hiragana
		{"ハナコ花子", true},       // Katakana, Han
		{"たなかタナカ田中", true},    // Han, Hiragana, Katakana
		{"tanaka田中さん", true},  // Latin with them
		{"김철수", true},         // Hangul
		{"kim김철수金", true},     // Latin, Hangul, Han
		{"zhāng张", true},      // Latin, Han
		{"ㄓㄤ張", true},         // Bopomofo, Han
		{"\u0430lice", false}, // Cyrillic а, Latin
		{"alic\u0435", false}, // Latin, Cyrillic е
		{"\u03b1lice", false}, // Greek α, Latin
		{"b\u03bfb", false},   // Greek ο
		{"p\u0430yp\u0430l", false},
		{"Дмитрийd", false},  // Cyrillic, Latin
		{"ελένηД", false},    // Greek, Cyrillic
		{"たなか김", false},      // Hiragana, Hangul
		{"tanakaさんД", false}, // Latin, Hiragana, Cyrillic
		{"tbilisiთ", false},  // Latin, Georgian
	} {
		t.Run(tc.user, func(t *testing.T) {
			err := checkNewUser(tc.user)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidUser)
			var name *NameError
			require.ErrorAs(t, err, &name)
			assert.Contains(t, name.Reason, "it mixes scripts (")
			assert.Contains(t, name.Reason, "write it in one script")
		})
	}
	err := checkNewUser("\u0430lice")
	var name *NameError
	require.ErrorAs(t, err, &name)
	assert.Equal(t, "it mixes scripts (Cyrillic U+0430, Latin U+006C), as look-alike names do; write it in one script (Latin may go with Han, Hiragana, Katakana, Hangul or Bopomofo)", name.Reason)
}

// TestSkeleton shows look-alikes sharing a skeleton, and names that do
// not.
func TestSkeleton(t *testing.T) {
	for _, pair := range [][2]string{
		{"alice", "\u0251lice"},       // Latin alpha
		{"alice", "\u0430lice"},       // Cyrillic а
		{"alice", "\u03b1lice"},       // Greek α
		{"bob", "b\u03bfb"},           // Greek ο
		{"ape", "\u0430\u0440\u0435"}, // all Cyrillic
		{"bill", "biIl"},              // capital I
		{"alice", "al\u200bice"},      // a zero-width space in a stored name
		{"alice", "a\u00adlice"},      // a soft hyphen
	} {
		assert.Equal(t, skeleton(pair[0]), skeleton(pair[1]), "%+q and %+q", pair[0], pair[1])
	}
	for _, pair := range [][2]string{{"alice", "alicia"}, {"alice", "Alice"}, {"名前", "名刺"}, {"Дмитрий", "dmitriy"}} {
		assert.NotEqual(t, skeleton(pair[0]), skeleton(pair[1]), "%+q and %+q", pair[0], pair[1])
	}
	assert.Equal(t, "alice", skeleton("alice"))
}

// listCounter counts the store's listings.
type listCounter struct {
	Store
	lists atomic.Int64
}

func (l *listCounter) List(ctx context.Context) ([]string, error) {
	l.lists.Add(1)
	return l.Store.List(ctx)
}

func withListCounter(lc **listCounter) Option {
	return func(c *config) error {
		c.wrapStore = func(s Store) Store {
			*lc = &listCounter{Store: s}
			return *lc
		}
		return nil
	}
}

// TestRegisterRefusesLookalikes shows new names that look like a
// registered one refused with a reason, names wholly in one script that
// look like none accepted, and names already stored that break the new
// rules still working.
func TestRegisterRefusesLookalikes(t *testing.T) {
	dir := t.TempDir()
	var lc *listCounter
	// Not watching: a watching cache also lists the names in the
	// background, for Verify (see memo.lister).
	c := newTestCacheIn(t, dir, withListCounter(&lc), WithWatch(false))
	for _, u := range []string{"alice", "bob", "ape", "bill", "名前"} {
		_, err := c.Register(u, u+"@example.org")
		require.NoError(t, err)
	}
	for _, u := range []string{"\u0251lice", "\u0430\u0440\u0435", "biIl"} {
		_, err := c.Register(u, "eve@example.org")
		require.ErrorIs(t, err, ErrInvalidUser, "%+q", u)
		var name *NameError
		require.ErrorAs(t, err, &name)
		assert.Equal(t, "it looks like the name of a registered user (their Unicode TR39 skeletons are equal); choose another", name.Reason)
		_, err = os.Stat(filepath.Join(dir, u+".json"))
		assert.ErrorIs(t, err, os.ErrNotExist, "no record for %+q", u)
	}
	for _, u := range []string{"\u0430lice", "alic\u0435", "\u03b1lice", "b\u03bfb"} {
		_, err := c.Register(u, "eve@example.org")
		var name *NameError
		require.ErrorAs(t, err, &name, "%+q", u)
		assert.Contains(t, name.Reason, "it mixes scripts")
	}
	for _, u := range []string{"Дмитрий", "carol", "名刺", "alicia"} {
		_, err := c.Register(u, "x@example.org")
		assert.NoError(t, err, "%+q looks like no registered name", u)
	}
	_, err := c.Register("alice", "alice@example.org")
	assert.ErrorIs(t, err, ErrAlreadyRegistered, "the name itself: already registered, as before")
	assert.Equal(t, int64(1), lc.lists.Load(), "the store listed once for every registration within a poll interval")

	// A name stored by another program, which Register would refuse,
	// still verifies and can be deregistered; it takes its skeleton
	// with it.
	hash, err := c.HashToken("ff")
	require.NoError(t, err)
	require.NoError(t, writeFileAt(dir, "\u0430my", encodeRecord(User{User: "\u0430my", Email: "a@example.org", HashedToken: hash})))
	ok, err := c.Verify("\u0430my", "ff")
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, c.Deregister("\u0430my", "ff"))
	require.NoError(t, c.Deregister("bob", mustToken(t, c, "bob")))
}

// mustToken gives user a new token by a reset, and returns it.
func mustToken(t *testing.T, c *Cache, user string) string {
	t.Helper()
	token, err := c.Reset(user, user+"@example.org")
	require.NoError(t, err)
	return token
}

// TestLookalikesAcrossCaches shows that a cache sees another's
// registrations once its list of names is a poll interval old, and its
// removals too.
func TestLookalikesAcrossCaches(t *testing.T) {
	dir := t.TempDir()
	a, cs := newCountingCache(t, dir, WithWatch(false))
	clk := cs.clock
	b := newTestCacheIn(t, dir, WithWatch(false))
	_, err := a.Register("carol", "carol@example.org")
	require.NoError(t, err)
	token, err := b.Register("alice", "alice@example.org")
	require.NoError(t, err)

	clk.advance(a.memo.poll)
	_, err = a.Register("\u0251lice", "eve@example.org")
	assert.ErrorIs(t, err, ErrInvalidUser, "b's alice, once a poll interval has gone by")

	require.NoError(t, b.Deregister("alice", token))
	clk.advance(a.memo.poll)
	_, err = a.Register("\u0251lice", "eve@example.org")
	assert.NoError(t, err, "alice is gone: the name is free")
}

// TestLookalikesConcurrently registers look-alike names at once through
// one cache: one wins.
func TestLookalikesConcurrently(t *testing.T) {
	c := newTestCache(t)
	var wg sync.WaitGroup
	var won atomic.Int64
	var refused atomic.Int64
	for _, u := range []string{"alice", "\u0251lice", "alice", "\u0251lice"} {
		wg.Go(func() {
			_, err := c.Register(u, "x@example.org")
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, ErrInvalidUser), errors.Is(err, ErrAlreadyRegistered):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), won.Load())
	assert.Equal(t, int64(3), refused.Load())
	users, err := c.Users()
	require.NoError(t, err)
	assert.Len(t, users, 1)
}

// manyNames is a store that lists n more users than it holds, for the
// cost of the look-alike check among many users.
type manyNames struct {
	Store
	extra []string
}

func (m *manyNames) List(ctx context.Context) ([]string, error) {
	names, err := m.Store.List(ctx)
	return append(names, m.extra...), err
}

// BenchmarkLookalikes measures the look-alike check of Register among
// 100,000 users: the first registration, which computes every
// skeleton; a later one that lists the store again (a poll interval
// on); and one within the poll interval, which only looks up.
func BenchmarkLookalikes(b *testing.B) {
	extra := make([]string, 100_000)
	for i := range extra {
		extra[i] = fmt.Sprintf("user%06d", i)
	}
	var ms *manyNames
	clk := &testClock{}
	c := newTestCache(b, withClock(clk), WithWatch(false), func(cfg *config) error {
		cfg.wrapStore = func(s Store) Store {
			ms = &manyNames{Store: s, extra: extra}
			return ms
		}
		return nil
	})
	ctx := context.Background()
	claim := func() {
		done, err := c.names.claim(ctx, c, "newcomer")
		if err != nil {
			b.Fatal(err)
		}
		done(errors.New("not created"))
	}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.names = lookalikes{}
			claim()
		}
	})
	b.Run("relist", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clk.advance(c.memo.poll)
			claim()
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			claim()
		}
	})
}
