//go:build unix

package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newAccount returns a ledger of one registered user, with token "t1".
func newAccount(t *testing.T) (*ledger, *account) {
	t.Helper()
	l := newLedger(1)
	a := l.accounts[0]
	l.registered(a, "t1")
	return l, a
}

// reset resets a to token ("" for an unknown outcome).
func reset(t *testing.T, l *ledger, a *account, token string) {
	t.Helper()
	require.True(t, l.beginReset(a, false))
	l.endReset(a, token)
}

func mustTicket(t *testing.T, l *ledger, a *account, revoked bool) ticket {
	t.Helper()
	tk, ok := l.ticket(a, revoked)
	require.True(t, ok, "no ticket (revoked %v)", revoked)
	return tk
}

func TestJudgeCurrentToken(t *testing.T) {
	l, a := newAccount(t)
	tk := mustTicket(t, l, a, false)
	assert.Equal(t, "t1", tk.token)
	now := tk.currentAt.Add(trustWindow)

	tests := []struct {
		code   int
		want   verdict
		served bool
	}{
		{200, accepted, true},
		{401, wrongRefuse, false},
		{500, failed, false},
		{0, transport, false},
		{503, other, false},
	}
	for _, tt := range tests {
		v, served := l.judge(tk, now, tt.code)
		assert.Equal(t, tt.want, v, "code %d", tt.code)
		assert.Equal(t, tt.served, served, "code %d", tt.code)
	}
	_, ok := l.ticket(a, true)
	assert.False(t, ok, "a revoked token before any reset")
}

// A 401 for a token that became current less than the trust window
// before the request was sent is counted apart and is not wrong: the
// server may not have learnt of the reset yet.
func TestJudgeNewTokenInWindow(t *testing.T) {
	l, a := newAccount(t)
	reset(t, l, a, "t2")
	tk := mustTicket(t, l, a, false)
	v, _ := l.judge(tk, tk.currentAt.Add(trustWindow-time.Millisecond), 401)
	assert.Equal(t, refusedLate, v, "sent at once after the acknowledgement")
	assert.False(t, v.wrong())
	v, _ = l.judge(tk, tk.currentAt.Add(trustWindow), 401)
	assert.Equal(t, wrongRefuse, v, "sent a trust window after the acknowledgement")
}

// A reset acknowledged before a request was sent makes a 200 for the
// old token wrong, past the trust window; within it, the 200 is counted
// apart and is not wrong.
func TestJudgeRevokedToken(t *testing.T) {
	l, a := newAccount(t)
	reset(t, l, a, "t2")
	old := mustTicket(t, l, a, true)
	assert.Equal(t, "t1", old.token)
	assert.Equal(t, "t2", mustTicket(t, l, a, false).token)

	v, _ := l.judge(old, time.Now(), 200)
	assert.Equal(t, acceptedLate, v, "sent at once after the acknowledgement")
	v, _ = l.judge(old, old.revokedAt.Add(trustWindow), 200)
	assert.Equal(t, wrongAccept, v, "sent a trust window after the acknowledgement")
	assert.True(t, v.wrong())
	v, _ = l.judge(old, time.Now(), 401)
	assert.Equal(t, refused, v)
}

// A request sent while a reset is in flight, or answered after one began,
// is not judged wrong whatever it gets.
func TestJudgeWhileChanging(t *testing.T) {
	l, a := newAccount(t)
	before := mustTicket(t, l, a, false)
	require.True(t, l.beginReset(a, false))
	during := mustTicket(t, l, a, false)
	assert.False(t, during.current)

	v, served := l.judge(during, time.Now(), 200)
	assert.Equal(t, accepted, v)
	assert.False(t, served, "a 200 during a reset does not show that the server serves")
	v, _ = l.judge(during, time.Now(), 401)
	assert.Equal(t, refused, v)
	v, _ = l.judge(before, time.Now(), 401)
	assert.Equal(t, refused, v, "a reset began after the request was sent")

	assert.False(t, l.beginReset(a, false), "a second reset of the same user")
	l.endReset(a, "t2")
	v, _ = l.judge(before, time.Now(), 401)
	assert.Equal(t, refused, v)
}

// After a reset whose outcome is unknown, the old token is neither
// current nor revoked until a reset is acknowledged; then it is revoked.
func TestJudgeUnknownOutcome(t *testing.T) {
	l, a := newAccount(t)
	reset(t, l, a, "")
	_, ok := l.ticket(a, false)
	assert.False(t, ok, "no current token after a reset of unknown outcome")
	_, ok = l.ticket(a, true)
	assert.False(t, ok, "t1 may or may not be revoked")

	reset(t, l, a, "t3")
	assert.Equal(t, "t3", mustTicket(t, l, a, false).token)
	assert.Equal(t, "t1", mustTicket(t, l, a, true).token)
	assert.Equal(t, []string{"t1", "t3"}, l.tokens())
}

func TestLedgerKeepsNewestRevoked(t *testing.T) {
	l, a := newAccount(t)
	for _, tok := range []string{"t2", "t3", "t4", "t5", "t6", "t7"} {
		reset(t, l, a, tok)
	}
	require.Len(t, a.revoked, keepRevoked)
	assert.Equal(t, "t6", mustTicket(t, l, a, true).token)
	assert.Equal(t, "t3", a.revoked[0].token)
}

// Held users are reset by faults only, the others by the load only.
func TestLedgerHold(t *testing.T) {
	l, a := newAccount(t)
	l.hold(a, true)
	assert.False(t, l.beginReset(a, false))
	assert.True(t, l.beginReset(a, true))
	assert.True(t, l.resetting(a))
	l.endReset(a, "t2")
	l.hold(a, false)
	assert.True(t, l.beginReset(a, false))
}

func TestRecorder(t *testing.T) {
	r := newRecorder(2, 2)
	base := time.Now()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	l, a := newAccount(t)
	cur := mustTicket(t, l, a, false)

	r.add(0, 0, "u", accepted, true, at(0), at(10), cur)
	r.setPhase(1)
	r.add(int(r.phase.Load()), 0, "u", failed, false, at(100), at(400), cur)
	r.add(1, 0, "u", accepted, true, at(500), at(520), cur)
	r.add(1, 0, "u", accepted, true, at(300), at(900), cur) // slow: sent before 500, answered after
	r.add(1, 1, "u", wrongRefuse, false, at(600), at(610), cur)

	first, ok := r.servedAfter(0, at(200))
	require.True(t, ok)
	assert.Equal(t, at(520), first, "the first answer to a request sent at 200 ms or later")
	_, ok = r.servedAfter(1, at(0))
	assert.False(t, ok)
	_, ok = r.servedAfter(0, at(600))
	assert.False(t, ok)

	assert.Equal(t, 510*time.Millisecond, r.longestGap(0, at(0), at(1000)), "10 ms to 520 ms")
	assert.Equal(t, time.Second, r.longestGap(1, at(0), at(1000)))

	steady, fault := r.tally(0), r.tally(1)
	assert.Equal(t, 1, steady.counts[accepted])
	assert.Equal(t, 2, fault.counts[accepted])
	assert.Equal(t, 1, fault.counts[failed])
	assert.Equal(t, 300*time.Millisecond, fault.failMax)
	wrong := r.wrongAnswers()
	require.Len(t, wrong, 1)
	assert.Equal(t, wrongAnswer{phase: 1, server: 1, user: "u", verdict: wrongRefuse, sent: at(600), took: 10 * time.Millisecond}, wrong[0])
}
