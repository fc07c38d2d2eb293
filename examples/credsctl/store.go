package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
	"github.com/fixiecreds/fixiecreds/examples/internal/credsdir"
	"github.com/fixiecreds/fixiecreds/examples/internal/etcdconn"
)

// etcdTimeout bounds the wait for etcd's first answer.
const etcdTimeout = 5 * time.Second

// storeFlags choose where the records are: a directory (-dir, in main.go)
// or etcd (-etcd and -etcd-prefix).
type storeFlags struct {
	etcd *etcdconn.Flags
}

// addStoreFlags defines -etcd and -etcd-prefix on flags.
func addStoreFlags(flags *flag.FlagSet) *storeFlags {
	f := &storeFlags{etcd: etcdconn.NewFlags("")}
	f.etcd.Add(flags)
	return f
}

// addTo defines the flags again on a command's flag set, keeping the
// values given before the command as defaults.
func (f *storeFlags) addTo(flags *flag.FlagSet) { f.etcd.Add(flags) }

// records are the records credsctl works on, in a directory or in etcd.
type records struct {
	creds     *cache.Cache
	etcd      *etcdstore.Store // nil for a directory
	endpoints string           // -etcd
	close     func()           // closes the cache, then the etcd client if any
}

// open opens the records that the flags name: in etcd if -etcd is set,
// otherwise in the directory dir ("" for the default one; see openDir).
// The cache does not watch: credsctl runs one command and exits.
func (f *storeFlags) open(dir string, creates bool) (*records, error) {
	if !f.etcd.Set() {
		return openDir(dir, creates)
	}
	if dir != "" {
		return nil, &failure{code: exitUsage, msg: "-dir and -etcd name two places for the records: give one"}
	}
	client, store, err := f.etcd.Open(slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, &failure{code: exitUsage, msg: err.Error(), err: err}
	}
	creds, err := cache.Open(store, cache.WithWatch(false))
	if err != nil {
		client.Close()
		return nil, err
	}
	// One read first, so that an etcd out of reach is said to be, once.
	ctx, cancel := context.WithTimeout(context.Background(), etcdTimeout)
	defer cancel()
	if err := creds.Ready(ctx); err != nil {
		creds.Close()
		client.Close()
		msg := fmt.Sprintf("etcd at %s cannot be read: %v", f.etcd.Endpoints, err)
		if errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("no answer from etcd at %s within %v: is it running, and are those its endpoints?", f.etcd.Endpoints, etcdTimeout)
		}
		return nil, &failure{code: exitFailed, msg: msg, err: err}
	}
	return &records{
		creds:     creds,
		etcd:      store,
		endpoints: f.etcd.Endpoints,
		close: func() {
			creds.Close()
			client.Close()
		},
	}, nil
}

// openDir opens the records in the directory dir, or the default one.
// Only a command that adds records (creates) makes a directory, and only
// the default one: a -dir that does not exist is more likely a typo than
// a new deployment, and records written there would be served by no
// server.
func openDir(dir string, creates bool) (*records, error) {
	credsDir, from, err := credsdir.Resolve(dir)
	if err != nil {
		return nil, err
	}
	if dir != "" || !creates {
		if err := credsdir.MustExist(credsDir, from); err != nil {
			hint := "; give -dir, or register a user to create it"
			if dir != "" {
				hint = "; check -dir, or create the directory first (mode 0700)"
			}
			return nil, &failure{code: exitFailed, err: err, msg: err.Error() + hint}
		}
	}
	creds, err := cache.New(credsDir, cache.WithWatch(false))
	if err != nil {
		return nil, err
	}
	return &records{creds: creds, close: func() { creds.Close() }}, nil
}

// store returns the store of the records, for commands that copy
// records themselves.
func (r *records) store() (cache.Store, error) {
	if r.etcd != nil {
		return r.etcd, nil
	}
	return cache.NewDirStore(r.creds.CredsDir(), nil)
}

// String names the records for messages.
func (r *records) String() string {
	if r.etcd != nil {
		return "etcd " + r.endpoints + " (prefix " + r.etcd.Prefix() + ")"
	}
	return r.creds.CredsDir()
}

// where says where user's record is kept: the path of its file, or, on
// etcd, which has no files, its key.
func (r *records) where(user string) (string, error) {
	if r.etcd != nil {
		return "etcd key: " + shown(r.etcd.Prefix()+user) + " (no file: the record is in etcd)", nil
	}
	file, err := r.creds.UserCredFile(user)
	if err != nil {
		return "", err
	}
	return "file: " + shown(file), nil
}
