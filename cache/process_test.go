package cache

import (
	"bufio"
	"crypto/rand"
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

// These tests run several processes on one directory (see main_test.go)
// and check the guarantees the design makes across processes: one winner
// per registered name, read-check-writes atomic with respect to each
// other, and nothing but an old or a new record after a writer is killed.

const raceEmail = "racer@example.org"

func TestRegisterRaceAcrossProcesses(t *testing.T) {
	tests := []struct {
		name          string
		procs, rounds int
	}{
		{"two processes", 2, 2},
		{"four processes", 4, 2},
	}
	const names = 50
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for round := range tt.rounds {
				users := make([]string, names)
				for i := range users {
					users[i] = fmt.Sprintf("round%d-user%02d", round, i)
				}
				winners, losers := registerAtOnce(t, dir, tt.procs, users)

				c := newTestCacheIn(t, dir)
				for _, user := range users {
					require.Equal(t, 1, len(winners[user]), "processes whose Register of %q succeeded", user)
					assert.Equal(t, tt.procs-1, losers[user], "processes told %q is already registered", user)
					ok, err := c.Verify(user, winners[user][0])
					require.NoError(t, err)
					assert.True(t, ok, "the winning token of %q does not verify", user)
				}
				assert.Empty(t, dirLeftovers(t, dir), "temporary files left by completed registrations")
			}
		})
	}
}

// registerAtOnce has procs processes register users, all starting at the
// same moment, and returns the tokens of the registrations that succeeded
// and how many were refused as ErrAlreadyRegistered, by user.
func registerAtOnce(t *testing.T, dir string, procs int, users []string) (winners map[string][]string, losers map[string]int) {
	t.Helper()
	children := make([]*childProc, procs)
	for i := range children {
		children[i] = spawnChild(t, "register", dir, users...)
	}
	for _, c := range children {
		c.expect(t, "ready")
	}
	for _, c := range children {
		c.send(t, "go")
	}
	winners, losers = make(map[string][]string), make(map[string]int)
	for _, c := range children {
		for _, line := range c.finish(t) {
			switch f := strings.Fields(line); {
			case len(f) == 3 && f[0] == "ok":
				winners[f[1]] = append(winners[f[1]], f[2])
			case len(f) == 2 && f[0] == "taken":
				losers[f[1]]++
			default:
				t.Fatalf("register: unexpected output starting %q", head(f))
			}
		}
	}
	return winners, losers
}

// registerChild registers each name of users once "go" arrives and
// reports "ok <user> <token>" or "taken <user>".
func registerChild(dir string, users []string, in *bufio.Scanner, out io.Writer) error {
	c, err := openChildCache(dir, WithWatch(false))
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintln(out, "ready")
	if err := awaitLine(in, "go"); err != nil {
		return err
	}
	for _, user := range users {
		token, err := c.Register(user, raceEmail)
		switch {
		case err == nil:
			fmt.Fprintln(out, "ok", user, token)
		case errors.Is(err, ErrAlreadyRegistered):
			fmt.Fprintln(out, "taken", user)
		default:
			return err
		}
	}
	return nil
}

func TestStaleDeregisterRacingResetAcrossProcesses(t *testing.T) {
	const resets = 60
	dir := t.TempDir()
	c := newTestCacheIn(t, dir)
	first := registerUsers(t, c, "alice", "bob")

	got := raceResetDeregister(t, dir, first, resets, true)

	fresh := newTestCacheIn(t, dir)
	for user, o := range got {
		assert.Equal(t, "done", o.end, "how the resets of %q ended", user)
		assert.Equal(t, resets, o.issued, "resets of %q", user)
		assert.Empty(t, o.accepted, "stale tokens of %q accepted by Deregister", user)
		assert.Zero(t, o.missing, "deregisters that found no record of %q", user)
		assert.Positive(t, o.refused, "deregisters of %q refused", user)

		ok, err := fresh.Verify(user, o.last)
		require.NoError(t, err, "user %q lost its registration", user)
		assert.True(t, ok, "latest token of %q does not verify", user)
		ok, err = fresh.Verify(user, first[user])
		require.NoError(t, err)
		assert.False(t, ok, "first token of %q still verifies", user)
		waitFor(t, "the watching cache to accept the latest token of "+user, func() bool {
			ok, err := c.Verify(user, o.last)
			return ok && err == nil
		})
	}
}

func TestCurrentDeregisterRacingResetAcrossProcesses(t *testing.T) {
	const (
		resets, users = 30, 40
		// Rounds go on until Deregister has removed this many records
		// while their resets were still running, the race the test is
		// for, and fail if maxRounds do not get there.
		minMidRun, maxRounds = 20, 10
	)
	dir := t.TempDir()
	c := newTestCacheIn(t, dir)
	rounds, midRun := 0, 0
	for ; rounds < maxRounds && midRun < minMidRun; rounds++ {
		names := make([]string, users)
		for i := range names {
			names[i] = fmt.Sprintf("round%d-user%02d", rounds, i)
		}
		first := registerUsers(t, c, names...)

		got := raceResetDeregister(t, dir, first, resets, false)

		for user, o := range got {
			// Deregister linearizes while the user's record holds the
			// token it is given; the next Reset then finds no record.
			// Had the removal and a reset interleaved, Deregister would
			// have accepted a token that an acknowledged Reset had
			// already replaced.
			require.Equal(t, 1, len(o.accepted), "deregisters of %q accepted", user)
			assert.Equal(t, o.issued, o.accepted[0], "index of the token of %q that Deregister accepted, against the resets acknowledged", user)
			assert.True(t, o.end == "gone" || o.issued == resets, "resets of %q ended %q after %d", user, o.end, o.issued)
			assert.Zero(t, o.missing, "deregisters that found no record of %q", user)
			if o.issued < resets {
				midRun++
			}
			waitFor(t, "the watching cache to forget "+user, func() bool {
				_, err := c.Verify(user, o.last)
				return errors.Is(err, ErrNotRegistered)
			})
			assert.ErrorIs(t, c.Deregister(user, o.last), ErrNotRegistered, "second deregister of %q", user)
		}
	}
	assert.GreaterOrEqual(t, midRun, minMidRun, "records that Deregister removed while their resets were still running, in %d rounds", rounds)
	t.Logf("Deregister removed %d of %d records while their resets were still running", midRun, rounds*users)
	left, err := newTestCacheIn(t, dir).Users()
	require.NoError(t, err)
	assert.Empty(t, left, "users left registered")
}

func registerUsers(t *testing.T, c *Cache, users ...string) (tokens map[string]string) {
	t.Helper()
	tokens = make(map[string]string)
	for _, user := range users {
		token, err := c.Register(user, raceEmail)
		require.NoError(t, err)
		tokens[user] = token
	}
	return tokens
}

// raceOutcome is what happened to one user in raceResetDeregister.
type raceOutcome struct {
	issued   int    // resets acknowledged, each with a new token
	end      string // "gone": a reset found no record; "done": all resets made
	last     string // the latest token: of the last reset, else the first
	accepted []int  // indices of the tokens Deregister accepted (0: the first)
	refused  int    // deregisters refused with ErrInvalidToken
	missing  int    // deregisters that found no record
}

// raceResetDeregister runs two processes on dir at once: one resets each
// user of first (name → token) up to resets times, or until a reset finds
// no record; the other deregisters each user with the tokens the first
// reports, the newest it has received. With stale, a token is passed on
// only once a later reset has replaced it; else as soon as it is issued.
func raceResetDeregister(t *testing.T, dir string, first map[string]string, resets int, stale bool) map[string]*raceOutcome {
	t.Helper()
	got := make(map[string]*raceOutcome, len(first))
	args := []string{raceEmail, strconv.Itoa(resets)}
	for user, token := range first {
		got[user] = &raceOutcome{last: token}
		args = append(args, user)
	}
	resetter := spawnChild(t, "reset", dir, args...)
	deregisterer := spawnChild(t, "deregister", dir)
	resetter.expect(t, "ready")
	deregisterer.expect(t, "ready")
	resetter.send(t, "go")

	for done := false; !done; {
		line, ok := resetter.next(t)
		require.True(t, ok, "reset: output ended early; stderr: %s", resetter.stderr.String())
		f := strings.Fields(line)
		switch {
		case len(f) == 4 && f[0] == "tok" && got[f[1]] != nil:
			o := got[f[1]]
			i, err := strconv.Atoi(f[2])
			require.NoError(t, err)
			require.Equal(t, o.issued+1, i, "reset: index of the next token of %q", f[1])
			if stale {
				deregisterer.send(t, fmt.Sprintf("%s %d %s", f[1], o.issued, o.last))
			} else {
				deregisterer.send(t, line[len("tok "):])
			}
			o.issued, o.last = i, f[3]
		case len(f) == 3 && (f[0] == "gone" || f[0] == "done") && got[f[1]] != nil:
			got[f[1]].end = f[0]
		case len(f) == 1 && f[0] == "end":
			done = true
		default:
			t.Fatalf("reset: unexpected output starting %q", head(f))
		}
	}
	require.Empty(t, resetter.finish(t), "reset: output after the end")

	for _, line := range deregisterer.finish(t) {
		f := strings.Fields(line)
		require.Len(t, f, 3, "deregister: unexpected output %q", line)
		o := got[f[1]]
		require.NotNil(t, o, "deregister: unknown user %q", f[1])
		i, err := strconv.Atoi(f[2])
		require.NoError(t, err)
		switch f[0] {
		case "ok":
			o.accepted = append(o.accepted, i)
		case "invalid":
			o.refused++
		case "gone":
			o.missing++
		default:
			t.Fatalf("deregister: unexpected output %q", line)
		}
	}
	return got
}

// resetChild takes the email, the number of resets and users as
// arguments. Once "go" arrives it resets each user in turn, reporting
// "tok <user> <i> <token>" for each reset, until a reset finds no record
// ("gone <user> <n>") or it has made them all ("done <user> <n>"); it
// ends with "end".
func resetChild(dir string, args []string, in *bufio.Scanner, out io.Writer) error {
	if len(args) < 2 {
		return errors.New("want email, resets, users")
	}
	email := args[0]
	resets, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	c, err := openChildCache(dir, WithWatch(false))
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintln(out, "ready")
	if err := awaitLine(in, "go"); err != nil {
		return err
	}
	for _, user := range args[2:] {
		end, n := "done", 0
		for n < resets {
			token, err := c.Reset(user, email)
			if errors.Is(err, ErrNotRegistered) {
				end = "gone"
				break
			}
			if err != nil {
				return err
			}
			n++
			fmt.Fprintln(out, "tok", user, n, token)
		}
		fmt.Fprintln(out, end, user, n)
	}
	fmt.Fprintln(out, "end")
	return nil
}

// deregisterChild reads "<user> <i> <token>" lines and deregisters each
// user with the newest token received so far, reporting "ok", "invalid"
// or "gone" followed by "<user> <i>". It ends when its input does.
func deregisterChild(dir string, in *bufio.Scanner, out io.Writer) error {
	c, err := openChildCache(dir, WithWatch(false))
	if err != nil {
		return err
	}
	defer c.Close()
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		for in.Scan() {
			lines <- in.Text()
		}
	}()
	fmt.Fprintln(out, "ready")
	for line := range lines {
		batch := append([]string{line}, drainLines(lines)...)
		for k, line := range batch {
			f := strings.Fields(line)
			if len(f) != 3 {
				return fmt.Errorf("bad command of %d fields", len(f))
			}
			if k+1 < len(batch) && strings.HasPrefix(batch[k+1], f[0]+" ") {
				continue // a newer token of the same user follows
			}
			switch err := c.Deregister(f[0], f[2]); {
			case err == nil:
				fmt.Fprintln(out, "ok", f[0], f[1])
			case errors.Is(err, ErrInvalidToken):
				fmt.Fprintln(out, "invalid", f[0], f[1])
			case errors.Is(err, ErrNotRegistered):
				fmt.Fprintln(out, "gone", f[0], f[1])
			default:
				return err
			}
		}
	}
	return nil
}

// head returns the first of the fields of a line of output, which is
// never a token.
func head(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// drainLines returns the lines available without waiting.
func drainLines(lines <-chan string) []string {
	var got []string
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return got
			}
			got = append(got, line)
		default:
			return got
		}
	}
}

func TestKilledWriterLeavesOldOrNewRecord(t *testing.T) {
	const (
		user, email = "victim", "victim@example.org"
		// At least minKills kills, and on until minMidWrite of them
		// have interrupted a write, the case the test is for; fail if
		// maxKills do not get there.
		minKills, minMidWrite, maxKills = 50, 20, 200
	)
	dir := t.TempDir()
	c := newTestCacheIn(t, dir)
	current, err := c.Register(user, email)
	require.NoError(t, err)
	hash := func(token string) string {
		h, err := c.HashToken(token)
		require.NoError(t, err)
		return h
	}
	rng := newTestRand(3)
	var leftovers []string
	kills, midWrite, newRecords := 0, 0, 0
	for ; kills < maxKills && (kills < minKills || midWrite < minMidWrite); kills++ {
		// Kill after a few complete writes, or, half of the time, as soon
		// as the next write has drawn its token.
		writes, inWrite := 1+rng.IntN(3), rng.IntN(2) == 0
		w := spawnChild(t, "writer", dir, user, email)
		var announced []string
		done := 0
		take := func(line string) {
			switch f := strings.Fields(line); {
			case len(f) == 2 && f[0] == "next":
				announced = append(announced, f[1])
			case len(f) == 1 && f[0] == "done":
				done++
			default:
				t.Fatalf("writer: unexpected output starting %q", head(f))
			}
		}
		for done < writes || inWrite && len(announced) == done {
			line, ok := w.next(t)
			require.True(t, ok, "writer: output ended; stderr: %s", w.stderr.String())
			take(line)
		}
		for _, line := range w.kill(t) {
			take(line)
		}
		require.GreaterOrEqual(t, len(announced), done, "writer: writes reported done, against tokens drawn")
		if len(announced) > done {
			midWrite++
		}

		data, err := os.ReadFile(filepath.Join(dir, recordName(user)))
		require.NoError(t, err, "record after kill %d", kills)
		rec, err := decodeRecord(user, data, nil)
		require.NoError(t, err, "record after kill %d", kills)
		// The old record is the last complete write's; a new one can
		// only be from a write the kill interrupted.
		found := hashHex(rec.hash) == hash(announced[done-1])
		if found {
			current = announced[done-1]
		}
		for _, token := range announced[done:] {
			if hashHex(rec.hash) == hash(token) {
				current, found = token, true
				newRecords++
			}
		}
		require.True(t, found, "record after kill %d is neither the last complete write nor an interrupted one", kills)
		leftovers = dirLeftovers(t, dir)
	}
	assert.GreaterOrEqual(t, midWrite, minMidWrite, "kills that interrupted a write, of %d", kills)
	t.Logf("%d of %d kills interrupted a write, %d of them after the new record was in place; %d temporary files left",
		midWrite, kills, newRecords, len(leftovers))

	waitFor(t, "the watching cache to accept the last token", func() bool {
		ok, err := c.Verify(user, current)
		return ok && err == nil
	})
	newRemovesStaleTemps(t, dir, leftovers)
	ok, err := newTestCacheIn(t, dir).Verify(user, current)
	require.NoError(t, err)
	assert.True(t, ok, "record after New does not verify")
}

// newRemovesStaleTemps ages some of the temporary files in dir, leftovers
// and two of its own, past a minute, and checks that New removes exactly
// those.
func newRemovesStaleTemps(t *testing.T, dir string, leftovers []string) {
	t.Helper()
	partial := []byte(`{"email":"victim@exa`)
	old, young := tempPrefix+"interrupted-long-ago", tempPrefix+"interrupted-just-now"
	for _, name := range []string{old, young} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), partial, 0o600))
	}
	now := time.Now()
	stale, fresh := []string{old}, []string{young}
	for i, name := range leftovers {
		if i%2 == 0 {
			stale = append(stale, name)
		} else {
			fresh = append(fresh, name)
		}
	}
	age := func(names []string, by time.Duration) {
		for _, name := range names {
			require.NoError(t, os.Chtimes(filepath.Join(dir, name), now.Add(-by), now.Add(-by)))
		}
	}
	age(stale, 2*staleTemp)
	age(fresh, staleTemp/2)

	newTestCacheIn(t, dir)
	waitFor(t, "stale temporary files removed", func() bool {
		for _, name := range stale {
			if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
				return false
			}
		}
		return true
	})
	for _, name := range fresh {
		assert.FileExists(t, filepath.Join(dir, name), "temporary file younger than a minute")
	}
	assert.FileExists(t, filepath.Join(dir, lockName))
}

// dirLeftovers requires dir to hold nothing but records, the lock file and
// temporary files, and returns the names of the temporary files.
func dirLeftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var temps []string
	for _, e := range entries {
		name := e.Name()
		user, isRecord := strings.CutSuffix(name, recordExt)
		switch {
		case strings.HasPrefix(name, tempPrefix):
			temps = append(temps, name)
		case name == lockName, isRecord && checkUser(user) == nil:
		default:
			t.Fatalf("unexpected file %q in the credentials directory", name)
		}
	}
	return temps
}

// writerChild takes a user and its email as arguments and resets the
// user's token until it is killed. Each reset first reports the token it
// draws ("next <token>"), then, once it is written, "done".
func writerChild(dir string, args []string, out io.Writer) error {
	if len(args) != 2 {
		return errors.New("want user, email")
	}
	c, err := openChildCache(dir, WithWatch(false), WithRand(announcer{out}))
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		if _, err := c.Reset(args[0], args[1]); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(out, "done"); err != nil {
			return err
		}
	}
}

// announcer is a source of randomness that reports each token it
// provides before the cache uses it.
type announcer struct{ out io.Writer }

func (a announcer) Read(p []byte) (int, error) {
	rand.Read(p)
	if _, err := fmt.Fprintf(a.out, "next %x\n", p); err != nil {
		return 0, err
	}
	return len(p), nil
}
