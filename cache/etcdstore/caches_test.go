package etcdstore_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
)

// servers returns three caches on one prefix of the etcd server at
// endpoint, as three app servers would have, each on a store with a
// client of its own, and the spies on their feeds. The first reaches
// etcd through the proxy returned.
func servers(t *testing.T, endpoint string, opts ...cache.Option) ([3]*cache.Cache, [3]*spy, *proxy) {
	t.Helper()
	prefix := newPrefix(t)
	p := newProxy(t, endpoint)
	var (
		caches [3]*cache.Cache
		feeds  [3]*spy
	)
	for i := range caches {
		via := endpoint
		if i == 0 {
			via = p.addr()
		}
		caches[i], feeds[i] = openCache(t, newStore(t, via, prefix), opts...)
	}
	for _, f := range feeds {
		f.waitReporting(t, true)
	}
	return caches, feeds, p
}

// assertVerify checks what c answers for user and token, at once.
func assertVerify(t *testing.T, c *cache.Cache, user, token string, want bool, wantErr error, msg string) {
	t.Helper()
	ok, err := c.Verify(user, token)
	if wantErr != nil {
		assert.ErrorIs(t, err, wantErr, msg)
	} else {
		assert.NoError(t, err, msg)
	}
	assert.Equal(t, want, ok, msg)
}

// waitVerify waits until c answers want for user and token.
func waitVerify(t *testing.T, c *cache.Cache, user, token string, want bool, wantErr error, msg string) {
	t.Helper()
	waitFor(t, msg, func() bool {
		ok, err := c.Verify(user, token)
		if wantErr != nil {
			return !ok && errors.Is(err, wantErr)
		}
		return err == nil && ok == want
	})
}

// TestServersShare: a registration, a reset and a deregistration on one
// server reach the two others through the feed alone: the poll interval
// is an hour, so that no cached entry expires during the test.
func TestServersShare(t *testing.T) {
	t.Parallel()
	cs, _, _ := servers(t, shared.endpoint(), cache.WithPollInterval(time.Hour))
	a, b, c := cs[0], cs[1], cs[2]

	alice, err := a.Register("alice", "a@b.org")
	require.NoError(t, err)
	for i, s := range cs {
		waitVerify(t, s, "alice", alice, true, nil, fmt.Sprintf("server %d after the registration", i))
		// bob, unknown, is cached as such.
		assertVerify(t, s, "bob", alice, false, cache.ErrNotRegistered, fmt.Sprintf("server %d before bob registers", i))
	}

	bob, err := b.Register("bob", "b@b.org")
	require.NoError(t, err)
	for i, s := range cs {
		waitVerify(t, s, "bob", bob, true, nil, fmt.Sprintf("server %d to see bob registered", i))
	}

	newAlice, err := b.Reset("alice", "a@b.org")
	require.NoError(t, err)
	for i, s := range cs {
		waitVerify(t, s, "alice", alice, false, nil, fmt.Sprintf("server %d to refuse alice's old token", i))
		assertVerify(t, s, "alice", newAlice, true, nil, fmt.Sprintf("server %d with alice's new token", i))
	}

	require.NoError(t, c.Deregister("alice", newAlice))
	for i, s := range cs {
		waitVerify(t, s, "alice", newAlice, false, cache.ErrNotRegistered, fmt.Sprintf("server %d to see alice deregistered", i))
	}
	users, err := a.Users()
	require.NoError(t, err)
	assert.Equal(t, []string{"bob"}, users)
}

// TestServersRegisterRace: registrations of one name, at once on three
// servers, have exactly one winner, whose token every server accepts.
func TestServersRegisterRace(t *testing.T) {
	t.Parallel()
	cs, _, _ := servers(t, shared.endpoint())
	const perServer = 6
	for round := range 4 {
		user := fmt.Sprintf("racer%d", round)
		var (
			wg     sync.WaitGroup
			tokens [len(cs) * perServer]string
			errs   [len(cs) * perServer]error
		)
		for i := range tokens {
			wg.Go(func() { tokens[i], errs[i] = cs[i%len(cs)].Register(user, fmt.Sprintf("r%d@b.org", i)) })
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "%s: registrations %d and %d both won", user, winner, i)
				winner = i
				continue
			}
			require.ErrorIs(t, err, cache.ErrAlreadyRegistered, "%s: registration %d", user, i)
		}
		require.NotEqual(t, -1, winner, "%s: no registration won", user)
		for i, s := range cs {
			waitVerify(t, s, user, tokens[winner], true, nil, fmt.Sprintf("server %d to accept the winner of %s", i, user))
			u, err := s.GetUser(user)
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("r%d@b.org", winner), u.Email)
		}
	}
}

// TestServersCutAndCompacted: one server is cut off from etcd while the
// others reset, deregister and register users, and etcd compacts away
// the revisions in between. The cut-off server stops accepting what it
// cached within twice the poll interval, failing rather than answering;
// once back, it finds the revisions it missed gone, drops every entry,
// watches again from the current revision, and answers as the others
// do. On a server of its own, so that the compaction disturbs no other
// test's watch.
func TestServersCutAndCompacted(t *testing.T) {
	t.Parallel()
	const poll = 500 * time.Millisecond
	srv := newEtcd(t)
	cs, feeds, p := servers(t, srv.endpoint(), cache.WithPollInterval(poll))
	a, b := cs[0], cs[1]
	alice, err := b.Register("alice", "a@b.org")
	require.NoError(t, err)
	bob, err := b.Register("bob", "b@b.org")
	require.NoError(t, err)
	waitVerify(t, a, "alice", alice, true, nil, "before the cut")
	waitVerify(t, a, "bob", bob, true, nil, "before the cut")
	assertVerify(t, a, "carol", bob, false, cache.ErrNotRegistered, "before the cut")

	mark := feeds[0].mark()
	p.Cut()
	feeds[0].waitReporting(t, false)
	newAlice, err := b.Reset("alice", "a@b.org")
	require.NoError(t, err)
	revoked := time.Now()
	require.NoError(t, b.Deregister("bob", bob))
	carol, err := b.Register("carol", "c@b.org")
	require.NoError(t, err)
	compact(t, srv.endpoint())

	waitFor(t, "the cut-off server to stop answering from memory", func() bool {
		ok, err := verifies(a, "alice", alice, 20*time.Millisecond)
		require.False(t, ok && time.Since(revoked) > 2*poll,
			"revoked token accepted more than twice the poll interval after the reset")
		return err != nil
	})

	p.Restore()
	feeds[0].waitReporting(t, true)
	calls := feeds[0].since(mark)
	back := slices.IndexFunc(calls, func(c feedCall) bool { return c.kind == "reporting" && c.on })
	assert.True(t, slices.ContainsFunc(calls[:back], func(c feedCall) bool { return c.kind == "all" }),
		"no entry dropped after the compaction: %v", calls)
	assertVerify(t, a, "alice", alice, false, nil, "alice's old token")
	assertVerify(t, a, "alice", newAlice, true, nil, "alice's new token")
	assertVerify(t, a, "bob", bob, false, cache.ErrNotRegistered, "bob")
	assertVerify(t, a, "carol", carol, true, nil, "carol")

	// The new watch reports.
	dave, err := a.Register("dave", "d@b.org")
	require.NoError(t, err)
	for i, s := range cs {
		waitVerify(t, s, "dave", dave, true, nil, fmt.Sprintf("server %d to see dave", i))
	}
}

// compact compacts etcd's history up to its current revision.
func compact(t *testing.T, endpoint string) {
	t.Helper()
	c := newClient(t, endpoint)
	resp, err := c.Get(bg(), "compact")
	require.NoError(t, err)
	_, err = c.Compact(bg(), resp.Header.Revision, clientv3.WithCompactPhysical())
	require.NoError(t, err)
}
