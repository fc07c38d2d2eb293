package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/fixiecreds/fixiecreds/cache"
)

// copyBatch is how many records are copied at once: etcd commits
// concurrent writes together, so a large directory moves in seconds.
const copyBatch = 32

// importDir copies every record of the directory c.args[0] into the
// records credsctl works on (etcd, with -etcd). The directory must exist:
// import never creates it. Its every file named "<user>.json" is a
// record to copy, and what cannot be one is refused, each with its
// reason: a name the cache cannot use, a symbolic link, a named pipe or
// anything else but a regular file. Another program, or an attacker,
// may have written the directory: a record that cannot be read is
// refused too, and the copy goes on.
func importDir(_ *cache.Cache, c call) error {
	dir := c.args[0]
	fi, err := os.Stat(dir)
	if err != nil {
		return &failure{code: exitFailed, msg: fmt.Sprintf("cannot import %s: %v", shown(dir), errors.Unwrap(err)), err: err}
	}
	if !fi.IsDir() {
		return &failure{code: exitUsage, msg: fmt.Sprintf("cannot import %s: not a directory", shown(dir))}
	}
	src, err := cache.NewDirStore(dir, nil)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []name
	for _, e := range entries {
		user, ok := strings.CutSuffix(e.Name(), recordExt)
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue // not a record: another file, or the cache's own
		}
		n := name{user: user, why: notARecordFile(e.Type())}
		var bad *cache.NameError
		if n.why == "" && errors.As(cache.CheckName(user), &bad) {
			n.why = "not a usable user name: " + bad.Reason
		}
		names = append(names, n)
	}
	dst, err := c.recs.store()
	if err != nil {
		return err
	}
	return copyRecords(c, src, dst, names, true, dir, c.recs.String())
}

// recordExt ends a record file's name.
const recordExt = ".json"

// notARecordFile says why a directory entry of type t cannot be a record
// to import, or "" if it can.
func notARecordFile(t fs.FileMode) string {
	switch {
	case t.IsRegular():
		return ""
	case t&fs.ModeSymlink != 0:
		return "a symbolic link: import copies regular files only"
	case t.IsDir():
		return "a directory, not a record file"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO), not a record file"
	}
	return "not a regular file"
}

// exportDir copies every record credsctl works on (etcd, with -etcd) into
// the directory c.args[0], which it creates (mode 0700) if need be.
func exportDir(_ *cache.Cache, c call) error {
	dir := c.args[0]
	src, err := c.recs.store()
	if err != nil {
		return err
	}
	dst, err := cache.NewDirStore(dir, nil)
	if err != nil {
		return err
	}
	users, err := src.List(context.Background())
	if err != nil {
		return err
	}
	slices.Sort(users)
	names := make([]name, len(users))
	for i, u := range users {
		names[i] = name{user: u}
	}
	return copyRecords(c, src, dst, names, false, c.recs.String(), dir)
}

// name is a record to copy, or why it is refused before it is read.
type name struct {
	user string
	why  string // "": to be read and checked
}

// outcome is what became of one record.
type outcome int

const (
	copied    outcome = iota // created in the destination
	identical                // the destination has the same bytes
	refused                  // not copied: the destination differs, or the record is not valid
	skipped                  // not a record: a key that names no user, a record gone since listed
)

// result is what became of one name, and why.
type result struct {
	user    string
	outcome outcome
	why     string
	err     error // a failure: the copy stops
}

// copyRecords copies the records names of src into dst, the exact bytes,
// with Create: a record that dst has already is never overwritten. It
// prints each name copied, and each one it leaves, with why, and a
// summary with the exact count copied, failure or not. A record that
// differs in dst is refused, so is one that is not a valid record of its
// user, or whose name or email holds a control, invisible or bidi-control
// character; if any is, it returns a failure with exitRefused. A record
// that src cannot read is refused if readRefuses (a directory that
// anyone may have written), else a failure; so is one that dst cannot
// take. A failure stops the copy.
func copyRecords(c call, src, dst cache.Store, names []name, readRefuses bool, from, to string) error {
	ctx := context.Background()
	var counts [skipped + 1]int
	var failed error
	for batch := range slices.Chunk(names, copyBatch) {
		results := make([]result, len(batch))
		var wg sync.WaitGroup
		for i, n := range batch {
			wg.Go(func() { results[i] = copyRecord(ctx, src, dst, n, readRefuses, to) })
		}
		wg.Wait()
		// Every result of the batch is told, a failure's too: the
		// others may have been copied meanwhile.
		for _, r := range results {
			if r.err != nil {
				failed = cmp.Or(failed, r.err)
				continue
			}
			counts[r.outcome]++
			switch r.outcome {
			case copied:
				fmt.Fprintf(c.stdout, "copied     %s\n", shown(r.user))
			case identical:
				fmt.Fprintf(c.stdout, "identical  %s\n", shown(r.user))
			case refused:
				fmt.Fprintf(c.stderr, "credsctl: not copied: %q: %s\n", r.user, r.why)
			case skipped:
				fmt.Fprintf(c.stderr, "credsctl: skipped %q: %s\n", r.user, r.why)
			}
		}
		if failed != nil {
			fmt.Fprintf(c.stderr, "Copied %d records from %s to %s before the failure.\n", counts[copied], shown(from), shown(to))
			return failed
		}
	}
	fmt.Fprintf(c.stderr, "From %s to %s: %d copied, %d identical (there already), %d refused, %d skipped.\n",
		shown(from), shown(to), counts[copied], counts[identical], counts[refused], counts[skipped])
	if counts[refused] > 0 {
		return &failure{code: exitRefused, msg: fmt.Sprintf("%d record(s) not copied: see above", counts[refused])}
	}
	return nil
}

// copyRecord copies n's record from src to dst, named to in messages.
func copyRecord(ctx context.Context, src, dst cache.Store, n name, readRefuses bool, to string) result {
	user := n.user
	if n.why != "" {
		return result{user: user, outcome: refused, why: n.why}
	}
	if cache.CheckName(user) != nil {
		return result{user: user, outcome: skipped, why: "not a user name"}
	}
	if r, ok := firstHidden(user); ok {
		return result{user: user, outcome: refused, why: fmt.Sprintf("the name holds %U, a control, invisible or bidi-control character", r)}
	}
	rec, err := src.Read(ctx, user)
	switch {
	case errors.Is(err, cache.ErrNotRegistered):
		return result{user: user, outcome: skipped, why: "removed since the list was read"}
	case err != nil && readRefuses:
		return result{user: user, outcome: refused, why: err.Error()}
	case err != nil:
		return result{user: user, err: err}
	}
	if err := checkRecord(user, rec.Data); err != nil {
		return result{user: user, outcome: refused, why: err.Error()}
	}
	err = dst.Create(ctx, user, rec.Data)
	switch {
	case err == nil:
		return result{user: user, outcome: copied}
	case !errors.Is(err, cache.ErrAlreadyRegistered):
		return result{user: user, err: err}
	}
	there, err := dst.Read(ctx, user)
	switch {
	case errors.Is(err, cache.ErrNotRegistered):
		return result{user: user, outcome: refused, why: fmt.Sprintf("its record in %s was removed during the copy; run the command again", shown(to))}
	case err != nil:
		return result{user: user, err: err}
	case bytes.Equal(there.Data, rec.Data):
		return result{user: user, outcome: identical}
	}
	return result{user: user, outcome: refused, why: fmt.Sprintf("%s has a different record for this user; it was left as it is", shown(to))}
}

// checkRecord returns an error if data is not a record the cache would
// read as user's (cache.CheckRecord), or if its email holds a control,
// invisible or bidi-control character, saying why in plain words for the
// common faults: JSON whose "user" is not user, or whose "hashed_token"
// is not 64 hex digits.
func checkRecord(user string, data []byte) error {
	var r struct {
		User        *string `json:"user"`
		Email       *string `json:"email"`
		HashedToken *string `json:"hashed_token"`
	}
	switch {
	case json.Unmarshal(data, &r) != nil:
		return errors.New("the record is not valid JSON")
	case r.User == nil || *r.User != user:
		return errors.New(`the record's "user" is not this user`)
	case r.HashedToken == nil || len(*r.HashedToken) != 64:
		return errors.New(`the record's "hashed_token" is not 64 hex digits`)
	}
	if _, err := hex.DecodeString(*r.HashedToken); err != nil {
		return errors.New(`the record's "hashed_token" is not 64 hex digits`)
	}
	if r.Email != nil {
		if c, ok := firstHidden(*r.Email); ok {
			return fmt.Errorf(`the record's "email" holds %U, a control, invisible or bidi-control character`, c)
		}
	}
	return cache.CheckRecord(user, data)
}
