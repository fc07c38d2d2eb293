package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/fixiecreds/fixiecreds/cache"
)

// copyBatch is how many records are copied at once: etcd commits
// concurrent writes together, so a large directory moves in seconds.
const copyBatch = 32

// importDir copies every record of the directory c.args[0] into the
// records credsctl works on (etcd, with -etcd). The directory must exist:
// import never creates it.
func importDir(_ *cache.Cache, c call) error {
	dir := c.args[0]
	fi, err := os.Stat(dir)
	if err != nil {
		return &failure{code: exitFailed, msg: fmt.Sprintf("cannot import %s: %v", dir, errors.Unwrap(err)), err: err}
	}
	if !fi.IsDir() {
		return &failure{code: exitUsage, msg: fmt.Sprintf("cannot import %s: not a directory", dir)}
	}
	src, err := cache.NewDirStore(dir, nil)
	if err != nil {
		return err
	}
	dst, err := c.recs.store()
	if err != nil {
		return err
	}
	return copyRecords(c, src, dst, dir, c.recs.String())
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
	return copyRecords(c, src, dst, c.recs.String(), dir)
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

// copyRecords copies every record of src into dst, the exact bytes, with
// Create: a record that dst has already is never overwritten. It prints
// each name copied, and each one it leaves, with why, and a summary. A
// record that differs in dst is refused, so is one that is not a valid
// record of its user; if any is, it returns a failure with exitRefused.
func copyRecords(c call, src, dst cache.Store, from, to string) error {
	ctx := context.Background()
	users, err := src.List(ctx)
	if err != nil {
		return err
	}
	slices.Sort(users)

	var counts [skipped + 1]int
	for batch := range slices.Chunk(users, copyBatch) {
		results := make([]result, len(batch))
		var wg sync.WaitGroup
		for i, user := range batch {
			wg.Go(func() { results[i] = copyRecord(ctx, src, dst, user, to) })
		}
		wg.Wait()
		for _, r := range results {
			if r.err != nil {
				fmt.Fprintf(c.stderr, "Copied %d records from %s to %s before the failure.\n", counts[copied], from, to)
				return r.err
			}
			counts[r.outcome]++
			switch r.outcome {
			case copied:
				fmt.Fprintf(c.stdout, "copied     %s\n", r.user)
			case identical:
				fmt.Fprintf(c.stdout, "identical  %s\n", r.user)
			case refused:
				fmt.Fprintf(c.stderr, "credsctl: not copied: %q: %s\n", r.user, r.why)
			case skipped:
				fmt.Fprintf(c.stderr, "credsctl: skipped %q: %s\n", r.user, r.why)
			}
		}
	}
	fmt.Fprintf(c.stderr, "From %s to %s: %d copied, %d identical (there already), %d refused, %d skipped.\n",
		from, to, counts[copied], counts[identical], counts[refused], counts[skipped])
	if counts[refused] > 0 {
		return &failure{code: exitRefused, msg: fmt.Sprintf("%d record(s) not copied: see above", counts[refused])}
	}
	return nil
}

// copyRecord copies user's record from src to dst, named to in messages.
func copyRecord(ctx context.Context, src, dst cache.Store, user, to string) result {
	rec, err := src.Read(ctx, user)
	switch {
	case errors.Is(err, cache.ErrInvalidUser):
		return result{user: user, outcome: skipped, why: "not a user name"}
	case errors.Is(err, cache.ErrNotRegistered):
		return result{user: user, outcome: skipped, why: "removed since the list was read"}
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
		return result{user: user, outcome: refused, why: fmt.Sprintf("its record in %s was removed during the copy; run the command again", to)}
	case err != nil:
		return result{user: user, err: err}
	case bytes.Equal(there.Data, rec.Data):
		return result{user: user, outcome: identical}
	}
	return result{user: user, outcome: refused, why: fmt.Sprintf("%s has a different record for this user; it was left as it is", to)}
}

// checkRecord returns an error if data is not a record the cache would
// read as user's (cache.CheckRecord), saying why in plain words for the
// common faults: JSON whose "user" is not user, or whose "hashed_token"
// is not 64 hex digits.
func checkRecord(user string, data []byte) error {
	var r struct {
		User        *string `json:"user"`
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
	return cache.CheckRecord(user, data)
}
