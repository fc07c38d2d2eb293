package cache

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxSwapTries bounds the retries of a read-check-write that keeps losing
// to concurrent writers.
const maxSwapTries = 16

// Cache is a credentials cache over a [Store]: a directory with one
// record file per user ([New]), or any other store ([Open]). It is safe for
// concurrent use, and several Caches, in one process or many, may share a
// store. Close it when done.
type Cache struct {
	dir    string // the directory of a directory store, else ""
	nbytes int
	log    *slog.Logger
	store  Store
	memo   *memo
	grace  time.Duration // see WithOutageGrace
	names  lookalikes    // registered names' skeletons, for Register

	randMu sync.Mutex
	rand   io.Reader

	closed    atomic.Bool
	closeOnce sync.Once
	stopWatch func()
	stopSweep func() // of the directory store's sweep of stale temporary files
}

// New returns a Cache on the credentials directory credsdir, or on
// DefaultCredsDir() when credsdir is "": [Open] on the directory store. It
// creates the directory (mode 0700) if needed, checks that it can be
// listed, starts removing, in the background, temporary files that killed
// writers left there more than a minute ago, and, unless WithWatch(false),
// starts watching the directory for changes. If watching
// cannot start, New still succeeds: the cache then checks records against
// the disk at each poll interval and keeps trying to watch. Records are
// read lazily, on first use.
func New(credsdir string, opts ...Option) (*Cache, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if credsdir == "" {
		d, err := DefaultCredsDir()
		if err != nil {
			return nil, err
		}
		credsdir = d
	}
	ds, err := openDirStore(credsdir, cfg)
	if err != nil {
		return nil, err
	}
	c := open(ds, cfg)
	c.dir = ds.dir
	done, swept := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(swept)
		ds.removeStaleTemps(time.Now(), done)
	}()
	c.stopSweep = func() { close(done); <-swept }
	return c, nil
}

// NewDirStore returns the directory store on dir, the store [New] opens a
// Cache on, for tools that work on stores themselves, such as one that
// copies records between a directory and another store. It creates the
// directory (mode 0700) if needed and checks that it can be listed; of
// the options, only WithLogger applies, and WithMaxEntries, which bounds
// the records its watch stats again (see "Caching and change" in the
// package documentation). Its records are files "<dir>/<user>.json"; its
// Version is the SHA-256 of a record's bytes.
func NewDirStore(dir string, opts ...Option) (Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return openDirStore(dir, cfg)
}

// openDirStore prepares dir and returns its store.
func openDirStore(dir string, cfg config) (*dirStore, error) {
	abs, err := prepareDir(dir, cfg.log.Warn)
	if err != nil {
		return nil, err
	}
	ds := newDirStore(abs, cfg)
	if err := ds.listable(); err != nil {
		return nil, err
	}
	return ds, nil
}

// Open returns a Cache on the store s. Unless WithWatch(false), it starts
// the store's change feed (see [Store.Watch]); until the feed reports, and
// whenever it stops, a cached record is trusted for at most the poll
// interval. Records are read lazily, on first use. Closing the Cache
// stops the feed; it does not close s or what s holds.
func Open(s Store, opts ...Option) (*Cache, error) {
	if s == nil {
		return nil, errors.New("cache: nil store")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return open(s, cfg), nil
}

func open(s Store, cfg config) *Cache {
	if cfg.wrapStore != nil {
		s = cfg.wrapStore(s)
	}
	c := &Cache{
		nbytes: cfg.nbytes,
		log:    cfg.log,
		store:  s,
		memo:   newMemo(cfg.maxEntries, min(cfg.maxEntries, maxUnknownNames), cfg.poll, cfg.clock),
		grace:  cfg.grace,
		rand:   cfg.rand,
	}
	if cfg.watch {
		c.stopWatch = s.Watch(c.memo, cfg.poll)
	}
	return c
}

// Close stops the store's change feed (and, on a directory, the removal
// of stale temporary files) and waits until they have stopped. Every
// later call that reads or writes records returns ErrClosed; CredsDir,
// UserCredFile and HashToken, which touch no record, keep working. Close
// is idempotent and always returns nil.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		if c.stopWatch != nil {
			c.stopWatch()
		}
		if c.stopSweep != nil {
			c.stopSweep()
		}
	})
	return nil
}

// CredsDir returns the absolute path of the credentials directory, or ""
// for a Cache on a store that is not a directory.
func (c *Cache) CredsDir() string { return c.dir }

// UserCredFile returns the path of the user's record file,
// "<credsdir>/<user>.json", whether or not it exists. A user name is 1 to
// 250 bytes of valid UTF-8 with no '/', '\', NUL or other control
// character, not starting with '.'; any other is ErrInvalidUser. On a
// store that is not a directory there is no such path, and it returns an
// error.
func (c *Cache) UserCredFile(user string) (string, error) {
	if err := CheckName(user); err != nil {
		return "", err
	}
	if c.dir == "" {
		return "", errors.New("cache: the store keeps no record files")
	}
	return filepath.Join(c.dir, recordName(user)), nil
}

// HashToken returns what is stored for token: the lowercase hex SHA-256
// of the token's value written as nbytes little-endian bytes. A token is a
// hex number of 1 to 256 digits, either case, whose value fits in nbytes;
// anything else is ErrMalformedToken.
func (c *Cache) HashToken(token string) (string, error) {
	sum, ok := hashToken(token, c.nbytes)
	if !ok {
		return "", ErrMalformedToken
	}
	return hex.EncodeToString(sum[:]), nil
}

// CheckToken returns ErrMalformedToken unless token is a hex number of 1
// to 256 digits, either case, whose value fits in the cache's token size
// (see [WithNBytes]): the tokens that some user could have. It tells a
// malformed token (quoted, with a 0x or a space, one digit too many) from
// a wrong one for logs, which [Cache.Verify] does not. It neither hashes
// nor allocates, and takes the same time whatever users exist.
func (c *Cache) CheckToken(token string) error {
	var buf [maxNBytes]byte
	if !parseToken(buf[:c.nbytes], token) {
		return ErrMalformedToken
	}
	return nil
}

// Verify reports whether token is the user's token. It returns (true, nil)
// for a match, (false, nil) for a registered user and a wrong or malformed
// token, (false, ErrNotRegistered), (false, ErrInvalidUser), or (false,
// err) when verification could not complete (the record could not be read
// or parsed). It hashes the token whether or not the user exists and
// compares hashes in constant time. For a cached user, or a name cached as
// unknown, it neither allocates nor, while change notifications work,
// makes a system call.
func (c *Cache) Verify(user, token string) (bool, error) {
	return c.VerifyContext(context.Background(), user, token)
}

// VerifyContext is [Cache.Verify] with a context that bounds any read of
// the store it makes; a cached answer needs none.
func (c *Cache) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	if c.closed.Load() {
		return false, ErrClosed
	}
	sum, wellFormed := hashToken(token, c.nbytes)
	e, err := c.get(ctx, user)
	if err != nil {
		return false, err
	}
	match := subtle.ConstantTimeCompare(sum[:], e.hash[:]) == 1
	return match && wellFormed, nil
}

// get returns the user's record from memory, or reads it from the store;
// ErrInvalidUser for a name that cannot have a record. Only valid names
// are ever cached, so a name found in memory needs no check.
func (c *Cache) get(ctx context.Context, user string) (*entry, error) {
	e, absent, fresh, gen := c.memo.lookup(user)
	switch {
	case fresh && absent:
		return nil, ErrNotRegistered
	case fresh:
		return e, nil
	}
	if err := checkUser(user); err != nil {
		return nil, err
	}
	loaded, err := c.load(ctx, user, gen, nil)
	if err != nil && e != nil && c.outage(err, e) {
		c.memo.stats.outageAnswers.Add(1)
		return e, nil
	}
	return loaded, err
}

// outage reports whether stale, an entry that is no longer fresh, may
// answer in place of a store that could not be read (err): only with
// WithOutageGrace, and only if stale is younger than the grace.
func (c *Cache) outage(err error, stale *entry) bool {
	return c.grace > 0 && !errors.Is(err, errBadRecord) && !errors.Is(err, ErrNotRegistered) &&
		c.memo.now()-stale.read < int64(c.grace)
}

// load reads the user's record from the store and caches what it found,
// unless a change was reported since gen (see memo.add), and the email
// into *email if email is not nil. A record that cannot be parsed is
// never cached.
func (c *Cache) load(ctx context.Context, user string, gen uint64, email *string) (*entry, error) {
	c.memo.stats.loads.Add(1)
	read := c.memo.now()
	// One copy of the name, which may be a part of a request, serves the
	// store (which may keep it, see Store), the cache's entry and its
	// place among the unknown names.
	user = strings.Clone(user)
	rec, err := c.store.Read(ctx, user)
	if errors.Is(err, ErrNotRegistered) {
		c.memo.addUnknown(gen, user, read)
		return nil, ErrNotRegistered
	}
	if err != nil {
		c.memo.stats.loadErrors.Add(1)
		return nil, err
	}
	parsed, err := decodeRecord(user, rec.Data, email)
	if err != nil {
		c.memo.stats.loadErrors.Add(1)
		return nil, err
	}
	e := &parsed
	e.read, e.pollOnly = read, rec.PollOnly
	c.memo.add(gen, e)
	return e, nil
}

// LoadUser reads the user's record from the store, caches what Verify
// needs of it and returns it; ErrNotRegistered if there is none.
func (c *Cache) LoadUser(user string) (User, error) {
	if err := c.usable(user); err != nil {
		return User{}, err
	}
	var email string
	e, err := c.load(context.Background(), user, c.memo.generation(user), &email)
	if err != nil {
		return User{}, wrapUser(err, user)
	}
	return User{User: e.user, Email: email, HashedToken: hashHex(e.hash)}, nil
}

// GetUser returns the user's record; ErrNotRegistered if there is none.
// The cache keeps in memory only what Verify needs (the name and the
// hash, not the email), so GetUser reads the record from the store, as
// LoadUser does.
func (c *Cache) GetUser(user string) (User, error) { return c.LoadUser(user) }

// UserExists reports whether the user has a record, from memory if the
// answer is cached there. The error is non-nil only if that could not be
// told (an unusable name, an unreadable record).
func (c *Cache) UserExists(user string) (bool, error) {
	if err := c.usable(user); err != nil {
		return false, err
	}
	_, err := c.get(context.Background(), user)
	if errors.Is(err, ErrNotRegistered) {
		return false, nil
	}
	return err == nil, err
}

// Users returns the names of the users that have a record, sorted, or
// nil and the error if the store could not be listed. It lists names, not
// records: a listed user's record may still be unreadable.
func (c *Cache) Users() ([]string, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	names, err := c.store.List(context.Background())
	if err != nil {
		return nil, err
	}
	users := slices.DeleteFunc(names, func(name string) bool { return checkUser(name) != nil })
	slices.Sort(users)
	return users, nil
}

// WriteUser writes the user's record, replacing any record the user has,
// in one atomic step. hashedToken must be 64 hex digits (stored in lower
// case), as HashToken returns; email must be a single bare address. The
// name must be one that Register accepts for a new user, else it is a
// [*NameError] (ErrInvalidUser).
func (c *Cache) WriteUser(user, email, hashedToken string) error {
	if err := c.usableNew(user); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return fmt.Errorf("%w for %q", err, user)
	}
	if _, ok := decodeHash([]byte(hashedToken)); !ok {
		return errors.New("cache: hashed token is not 64 hex digits")
	}
	rec := encodeRecord(User{User: user, Email: email, HashedToken: strings.ToLower(hashedToken)})
	defer c.memo.Changed(user)
	return c.store.Put(context.Background(), user, rec)
}

// RemoveUser removes the user's record from memory and from the store;
// ErrNotRegistered if there is none.
func (c *Cache) RemoveUser(user string) error {
	if err := c.usable(user); err != nil {
		return err
	}
	defer c.memo.Changed(user)
	return c.store.Remove(context.Background(), user)
}

// Register creates a record for a new user and returns the user's token,
// the only time the token is seen: only its hash is stored. It returns
// ErrAlreadyRegistered if the user has a record, whoever else (another
// goroutine, another process) registers the same name at the same time.
//
// A new name must also be unchanged by the PRECIS UsernameCasePreserved
// profile (RFC 8265): no spaces at all, no invisible or bidi-control
// characters, Unicode NFC, no fullwidth forms. Otherwise two names could
// read alike, or a header could not carry the name as registered (HTTP
// trims the spaces around a header value). A name refused is a
// [*NameError], which matches ErrInvalidUser. Names already in the store
// that break only this rule keep working for everything but Register and
// WriteUser.
//
// Nor may a new name look like a registered one (Unicode TR39): it may
// not mix scripts beyond TR39's "Highly Restrictive" level (Latin with
// Cyrillic is refused; Han with Hiragana and Katakana, or Latin with
// them, passes), and Register refuses a name whose TR39 confusable
// skeleton is a registered user's, such as "аlice" with a Cyrillic "а"
// or "ɑlice" beside "alice". Register keeps the registered names'
// skeletons, listing the store again when it last did so more than the
// poll interval ago, or than 100 times what listing took (some 25 s for
// 100,000 users in a directory): two look-alike names registered through
// two Caches within that interval of each other may both succeed.
func (c *Cache) Register(user, email string) (token string, err error) {
	return c.RegisterContext(context.Background(), user, email)
}

// RegisterContext is [Cache.Register] with a context that bounds the
// store's work.
func (c *Cache) RegisterContext(ctx context.Context, user, email string) (token string, err error) {
	if err := c.usableNew(user); err != nil {
		return "", err
	}
	if err := checkEmail(email); err != nil {
		return "", fmt.Errorf("%w for %q", err, user)
	}
	done, err := c.names.claim(ctx, c, user)
	if err != nil {
		return "", err
	}
	token, rec, err := c.newToken(user, email)
	if err == nil {
		defer c.memo.Changed(user)
		err = c.store.Create(ctx, user, rec)
	}
	done(err)
	if err != nil {
		return "", err
	}
	return token, nil
}

// Reset gives a registered user a new token, returned as Register does,
// if email is the one registered (compared in constant time); else
// ErrEmailMismatch. The old token stops working. Reset, Deregister,
// WriteUser and RemoveUser on one store are atomic with respect to each
// other, across processes.
func (c *Cache) Reset(user, email string) (token string, err error) {
	return c.ResetContext(context.Background(), user, email)
}

// ResetContext is [Cache.Reset] with a context that bounds the store's
// work.
func (c *Cache) ResetContext(ctx context.Context, user, email string) (token string, err error) {
	if err := c.usable(user); err != nil {
		return "", err
	}
	if err := checkEmail(email); err != nil {
		return "", fmt.Errorf("%w for %q", err, user)
	}
	err = c.swap(ctx, user, func(_ entry, registeredEmail string) ([]byte, error) {
		// Hashes first, so that the time taken does not tell the
		// registered email's length either.
		registered, given := sha256.Sum256([]byte(registeredEmail)), sha256.Sum256([]byte(email))
		if subtle.ConstantTimeCompare(registered[:], given[:]) != 1 {
			return nil, fmt.Errorf("%w: %q", ErrEmailMismatch, user)
		}
		var rec []byte
		var err error
		token, rec, err = c.newToken(user, registeredEmail)
		return rec, err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Deregister removes the user's record if token is the user's token;
// ErrInvalidToken if it is wrong or malformed, ErrNotRegistered if there
// is no record. A Deregister racing a Reset never removes the record the
// Reset wrote with the token it replaced.
func (c *Cache) Deregister(user, token string) error {
	return c.DeregisterContext(context.Background(), user, token)
}

// DeregisterContext is [Cache.Deregister] with a context that bounds the
// store's work.
func (c *Cache) DeregisterContext(ctx context.Context, user, token string) error {
	if err := c.usable(user); err != nil {
		return err
	}
	sum, wellFormed := hashToken(token, c.nbytes)
	return c.swap(ctx, user, func(cur entry, _ string) ([]byte, error) {
		if subtle.ConstantTimeCompare(sum[:], cur.hash[:]) != 1 || !wellFormed {
			return nil, fmt.Errorf("%w for %q", ErrInvalidToken, user)
		}
		return nil, nil
	})
}

// swap is a read-check-write on the user's record: next gets the record as
// it is in the store and returns its replacement, nil to remove it. It
// retries when another writer changed the record in between. The cached
// entry is dropped only once next has agreed to a write: an operation
// refused (a wrong token, a wrong email, no record) changes nothing, so
// that repeating it cannot drive a user's verifications to the store.
func (c *Cache) swap(ctx context.Context, user string, next func(cur entry, email string) ([]byte, error)) error {
	user = strings.Clone(user) // the store may keep it (see Store)
	for range maxSwapTries {
		rec, err := c.store.Read(ctx, user)
		if err != nil {
			return wrapUser(err, user)
		}
		var email string
		cur, err := decodeRecord(user, rec.Data, &email)
		if err != nil {
			return err
		}
		data, err := next(cur, email)
		if err != nil {
			return err
		}
		err = c.store.CompareAndSwap(ctx, user, rec.Version, data)
		c.memo.Changed(user) // written, or changed by another writer
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("cache: record of %q keeps changing; try again", user)
}

// newToken returns a new random token and the user's record for it.
func (c *Cache) newToken(user, email string) (token string, rec []byte, err error) {
	b := make([]byte, c.nbytes)
	c.randMu.Lock()
	_, err = io.ReadFull(c.rand, b)
	c.randMu.Unlock()
	if err != nil {
		return "", nil, fmt.Errorf("cache: reading randomness: %w", err)
	}
	token = hex.EncodeToString(b)
	sum, _ := hashToken(token, c.nbytes) // 2·nbytes hex digits: always well formed
	return token, encodeRecord(User{User: user, Email: email, HashedToken: hex.EncodeToString(sum[:])}), nil
}

// usable checks that the cache is open and user is a valid name.
func (c *Cache) usable(user string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if err := CheckName(user); err != nil {
		return err
	}
	return nil
}

// usableNew checks that the cache is open and user may name a new
// record (see checkNewUser).
func (c *Cache) usableNew(user string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return checkNewUser(user)
}

// wrapUser adds the user name to a bare ErrNotRegistered.
func wrapUser(err error, user string) error {
	if err == ErrNotRegistered {
		return fmt.Errorf("%w: %q", err, user)
	}
	return err
}
