package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changed returns a user registered with token "a", then reset to "b",
// the reset completing at done.
func changed(t *testing.T, done time.Time, settle time.Duration) *user {
	t.Helper()
	u := newUsers("u", 1)[0]
	for _, token := range []string{"a", "b"} {
		_, ok := u.beginChange()
		require.True(t, ok)
		u.endChange(token, done, settle)
	}
	return u
}

func TestUserJudgesOnlySettledRequests(t *testing.T) {
	t.Parallel()
	done := time.Unix(1000, 0)
	const settle = 250 * time.Millisecond
	tests := []struct {
		name        string
		begin       time.Time
		wantRevoked bool
		changeMid   bool // another change begins while the request is in flight
		want        probe
		judged      bool
	}{
		{"valid, settled", done.Add(settle), false, false, probe{token: "b", accept: true}, true},
		{"revoked, settled", done.Add(time.Hour), true, false, probe{token: "a"}, true},
		{"still settling", done.Add(settle - 1), false, false, probe{token: "b", accept: true}, false},
		{"a change begins in flight", done.Add(time.Hour), false, true, probe{token: "b", accept: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := changed(t, done, settle)
			p := u.begin(tt.begin, tt.wantRevoked)
			assert.Equal(t, tt.want.token, p.token)
			assert.Equal(t, tt.want.accept, p.accept)
			if tt.changeMid {
				_, ok := u.beginChange()
				require.True(t, ok)
			}
			assert.Equal(t, tt.judged, u.judged(p))
		})
	}
}

func TestUserChanges(t *testing.T) {
	t.Parallel()
	done := time.Unix(1000, 0)
	u := changed(t, done, 0)

	old, ok := u.beginChange()
	require.True(t, ok)
	assert.Equal(t, "b", old)
	_, ok = u.beginChange()
	assert.False(t, ok, "one change at a time")
	p := u.begin(done.Add(time.Hour), false)
	assert.False(t, u.judged(p), "not judged while a change is in progress")

	u.endChange("", done, 0) // deregistered
	_, ok = u.registered()
	assert.False(t, ok)
	p = u.begin(done.Add(time.Hour), false)
	assert.Equal(t, probe{token: "b", judged: true, gen: p.gen}, p, "a deregistered user's last token must be refused")

	_, ok = u.beginChange()
	require.True(t, ok)
	u.failChange()
	_, ok = u.beginChange()
	assert.False(t, ok, "a user whose change failed is not changed again")
	assert.False(t, u.judged(u.begin(done.Add(time.Hour), false)), "nor judged")

	fresh := newUsers("v", 1)[0]
	assert.Equal(t, neverIssued, fresh.begin(done, true).token, "no revoked token yet")
}
