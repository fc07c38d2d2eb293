package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
)

const (
	// callTimeout bounds a call whose context has no deadline. etcd's own
	// request timeout is 5 s; a linearizable read waits out a leader
	// election, which takes about one election timeout (1 s by default).
	callTimeout = 5 * time.Second

	// hedgeAfter is how long a read waits for an answer before it is
	// sent again, to the next member, the first attempt still waiting:
	// a member that froze (a stopped process, a host that stalls) keeps
	// its connection open, and would hold the read until callTimeout. A
	// healthy member answers in milliseconds, or, during an election,
	// once it is over.
	hedgeAfter = 100 * time.Millisecond

	// maxAttempts bounds the attempts of one read in flight at once.
	// gRPC picks members in turn for every call of the client, so that
	// with other calls in between two attempts may meet the same member:
	// twice a three-member cluster leaves room for a frozen member to
	// take two of them and for the others to still be asked.
	maxAttempts = 6

	// listPage is how many keys List asks for at a time.
	listPage = 10_000
)

// Store is a [cache.Store] on etcd: one key per user, prefix+user, whose
// value is the exact bytes of the user's credentials file. It is safe for
// concurrent use, and any number of Stores, on any number of hosts, may
// share a prefix. Its zero value is not usable; make one with [New].
//
// Its methods return the errors the contract of [cache.Store] names, and
// [cache.ErrInvalidUser] for a name the cache would refuse, which never
// reaches etcd.
//
// A Store holds nothing that needs closing: the client is the caller's,
// and each [Store.Watch] ends with its own stop.
type Store struct {
	client   *clientv3.Client
	prefix   string
	listPage int64 // keys per page of List

	// down counts the watches that find etcd out of reach (see health):
	// while it is not 0, calls fail at once.
	down atomic.Int32
}

// ErrUnreachable is the error, wrapped, of a call that failed at once
// because a watch of the Store found etcd out of reach: its feed is not
// reporting and its heartbeat's reads have gone unanswered for a poll
// interval. Calls fail so, rather than each wait up to its bound, until
// a heartbeat read is answered again. A Store that nothing watches never
// fails so.
var ErrUnreachable = errors.New("etcdstore: etcd out of reach")

var _ cache.Store = (*Store)(nil)

// New returns a Store that keeps each user's record under the key
// prefix+user, through client. The prefix must end with '/': user names
// never hold one, so no key of a deployment can pass for a user of
// another whose prefix starts with or extends this one. The caller owns
// the client (its endpoints, TLS and credentials, its keepalive) and
// closes it after every Cache on the Store is closed; a call whose context
// has no deadline is bounded at 5 s.
func New(client *clientv3.Client, prefix string) (*Store, error) {
	if client == nil {
		return nil, errors.New("etcdstore: nil client")
	}
	if !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("etcdstore: prefix %q does not end with '/'", prefix)
	}
	return &Store{client: client, prefix: prefix, listPage: listPage}, nil
}

// Prefix returns the prefix of the Store's keys.
func (s *Store) Prefix() string { return s.prefix }

// key returns the user's key, or an error if user is not a name the cache
// would give a store: such a name never reaches etcd.
func (s *Store) key(user string) (string, error) {
	if err := cache.CheckName(user); err != nil {
		return "", err
	}
	return s.prefix + user, nil
}

// Read implements [cache.Store]: a linearizable get of the user's key.
// The Version is the key's ModRevision, in decimal.
func (s *Store) Read(ctx context.Context, user string) (cache.Record, error) {
	key, err := s.key(user)
	if err != nil {
		return cache.Record{}, err
	}
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return cache.Record{}, fmt.Errorf("etcdstore: reading record of %q: %w", user, err)
	}
	defer cancel()
	resp, err := s.get(ctx, key)
	if err != nil {
		return cache.Record{}, failed(ctx, "reading record of", user, err)
	}
	if len(resp.Kvs) == 0 {
		return cache.Record{}, cache.ErrNotRegistered
	}
	kv := resp.Kvs[0]
	return cache.Record{Data: kv.Value, Version: version(kv.ModRevision)}, nil
}

// Create implements [cache.Store]: a transaction that puts the record if
// the key's CreateRevision is 0, that is if the key does not exist.
func (s *Store) Create(ctx context.Context, user string, data []byte) error {
	key, err := s.key(user)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return fmt.Errorf("etcdstore: creating record of %q: %w", user, err)
	}
	defer cancel()
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(data))).
		Commit()
	if err != nil {
		return failed(ctx, "creating record of", user, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("%w: %q", cache.ErrAlreadyRegistered, user)
	}
	return nil
}

// Put implements [cache.Store].
func (s *Store) Put(ctx context.Context, user string, data []byte) error {
	key, err := s.key(user)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return fmt.Errorf("etcdstore: writing record of %q: %w", user, err)
	}
	defer cancel()
	if _, err := s.client.Put(ctx, key, string(data)); err != nil {
		return failed(ctx, "writing record of", user, err)
	}
	return nil
}

// CompareAndSwap implements [cache.Store]: a transaction that puts or
// deletes the key if its ModRevision is still the one old names. A
// missing key has ModRevision 0, which no Version names.
func (s *Store) CompareAndSwap(ctx context.Context, user string, old cache.Version, data []byte) error {
	key, err := s.key(user)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return fmt.Errorf("etcdstore: swapping record of %q: %w", user, err)
	}
	defer cancel()
	rev, err := strconv.ParseInt(string(old), 10, 64)
	if err != nil || rev <= 0 {
		// Not a version this store made: the record cannot have it.
		return fmt.Errorf("%w: %q", cache.ErrConflict, user)
	}
	op := clientv3.OpDelete(key)
	if data != nil {
		op = clientv3.OpPut(key, string(data))
	}
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
		Then(op).
		Commit()
	if err != nil {
		return failed(ctx, "swapping record of", user, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("%w: %q", cache.ErrConflict, user)
	}
	return nil
}

// Remove implements [cache.Store].
func (s *Store) Remove(ctx context.Context, user string) error {
	key, err := s.key(user)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return fmt.Errorf("etcdstore: removing record of %q: %w", user, err)
	}
	defer cancel()
	resp, err := s.client.Delete(ctx, key)
	if err != nil {
		return failed(ctx, "removing record of", user, err)
	}
	if resp.Deleted == 0 {
		return fmt.Errorf("%w: %q", cache.ErrNotRegistered, user)
	}
	return nil
}

// List implements [cache.Store]: the suffixes of the keys under the
// prefix, read as of one revision, a page of keys (no values) at a time.
// It lists every key; the cache leaves out those that name no user.
func (s *Store) List(ctx context.Context) ([]string, error) {
	ctx, cancel, err := s.bound(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: listing records: %w", err)
	}
	defer cancel()
	var (
		users []string
		rev   int64 // of the first page, so that every page shows one state
		from  = s.prefix
		end   = clientv3.GetPrefixRangeEnd(s.prefix)
	)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(s.listPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.get(ctx, from, opts...)
		if err != nil {
			return nil, failed(ctx, "listing records", "", err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			users = append(users, string(kv.Key[len(s.prefix):]))
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return users, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// version is the Version of a record whose key has ModRevision rev.
func version(rev int64) cache.Version { return cache.Version(strconv.FormatInt(rev, 10)) }

// get reads linearizably. While no attempt has been answered, it sends
// another every hedgeAfter, up to maxAttempts in flight; gRPC sends each
// to the next member. It returns the first answer, or the last error
// once every attempt has failed and no more may be sent, or ctx ends, or
// etcd is found out of reach.
func (s *Store) get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	type result struct {
		resp *clientv3.GetResponse
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	results := make(chan result, maxAttempts)
	sent, pending := 0, 0
	send := func() {
		sent++
		pending++
		go func() {
			resp, err := s.client.Get(ctx, key, opts...)
			results <- result{resp, err}
		}()
	}
	defer func() {
		cancel()
		for range pending { // each ends at once once ctx is cancelled
			<-results
		}
	}()
	send()
	hedge := time.NewTicker(hedgeAfter)
	defer hedge.Stop()
	var last error
	for {
		select {
		case r := <-results:
			pending--
			if r.err == nil {
				return r.resp, nil
			}
			last = r.err
			if ctx.Err() != nil || sent == maxAttempts {
				if pending == 0 {
					return nil, last
				}
				continue
			}
			send()
		case <-hedge.C:
			if s.down.Load() > 0 {
				return nil, fmt.Errorf("%w (still waiting for an answer)", ErrUnreachable)
			}
			if pending > 0 && sent < maxAttempts {
				send()
			}
		}
	}
}

// bound returns ctx with a deadline, callTimeout away if it has none, or
// an error if the call is not to be sent: the context's if it has
// already ended (such a call must change nothing), ErrUnreachable while
// etcd is known to be out of reach.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if s.down.Load() > 0 {
		return nil, nil, ErrUnreachable
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	return ctx, cancel, nil
}

// failed wraps err, the failure of a call on ctx, for what ("reading
// record of") and user, if any. If ctx ended, the error wraps its error,
// whatever form the client gave it. etcd's errors never hold a value, so
// no record's content ends up in one.
func failed(ctx context.Context, what, user string, err error) error {
	if user != "" {
		what += " " + strconv.Quote(user)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("etcdstore: %s: %w (%w)", what, cerr, err)
	}
	return fmt.Errorf("etcdstore: %s: %w", what, err)
}
