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
	wall   func() time.Time
	names  lookalikes // registered names' skeletons, for Register

	randMu sync.Mutex
	rand   io.Reader

	closed    atomic.Bool
	closeOnce sync.Once
	stopWatch func()
	stopList  func() // of the lister of names (see memonames.go)
	stopSweep func() // of the directory store's sweep of stale temporary files
}

// New returns a Cache on the credentials directory credsdir, or on
// DefaultCredsDir() when credsdir is "": [Open] on the directory store. It
// creates the directory (mode 0700) if needed and checks that it can be
// listed. In the background, it removes the temporary files that killed
// writers left more than a minute ago and, unless WithWatch(false),
// watches the directory; where it cannot, the cache polls (see "Caching
// and change") and keeps trying to watch.
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
// directory (mode 0700) if needed and checks that it can be listed. The
// store logs its warnings (a directory open to other users, a failed
// sync) to log, or to slog.Default() if log is nil. Its records are files
// "<dir>/<user>.json"; its Version is the SHA-256 of a record's bytes.
func NewDirStore(dir string, log *slog.Logger) (Store, error) {
	cfg := defaultConfig()
	if log != nil {
		cfg.log = log
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
// the store's change feed (see [Store.Watch]); while the feed does not
// report, a cached record is trusted for the trust window past its read
// (a directory, polled until its feed reports, for the poll interval).
// Records are read lazily, on first use. Closing the Cache
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
	dir := dirOf(s)
	if cfg.wrapStore != nil {
		s = cfg.wrapStore(s)
	}
	c := &Cache{
		dir:    dir,
		nbytes: cfg.nbytes,
		log:    cfg.log,
		store:  s,
		memo:   newMemo(cfg.maxEntries, min(cfg.maxEntries, maxUnknownNames), cfg.timing(), cfg.clock),
		grace:  cfg.grace,
		wall:   cfg.wall,
		rand:   cfg.rand,
	}
	if cfg.watch {
		if dir == "" {
			// Only a directory may be unwatchable by nature (a network
			// file system) and so polled until its feed reports; any
			// other store is trusted for the window past each read
			// until then.
			c.memo.polling.Store(false)
		}
		ctx, cancel := context.WithCancel(context.Background())
		listed := make(chan struct{})
		go func() {
			defer close(listed)
			c.memo.lister(ctx, s)
		}()
		c.stopList = func() { cancel(); <-listed }
		c.stopWatch = s.Watch(c.memo, cfg.timing())
	}
	return c
}

// dirOf returns the directory of a directory store, else "".
func dirOf(s Store) string {
	if ds, ok := s.(*dirStore); ok {
		return ds.dir
	}
	return ""
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
			c.stopList()
		}
		if c.stopSweep != nil {
			c.stopSweep()
		}
	})
	return nil
}

// CredsDir returns the absolute path of the credentials directory. On a
// store that is not a directory, such as etcd's, it returns "".
func (c *Cache) CredsDir() string { return c.dir }

// UserCredFile, the Python API's user_cred_file, returns the path of the
// user's record file, "<credsdir>/<user>.json", whether or not it exists;
// ErrInvalidUser for a name that cannot have a record (see [CheckName]).
// On a store that is not a directory there is no file: it returns an
// error matching errors.ErrUnsupported.
func (c *Cache) UserCredFile(user string) (string, error) {
	if err := CheckName(user); err != nil {
		return "", err
	}
	if c.dir == "" {
		return "", fmt.Errorf("cache: no record file on a store that is not a directory: %w", errors.ErrUnsupported)
	}
	return filepath.Join(c.dir, recordName(user)), nil
}

// HashToken, the Python API's hash_token, returns what is stored for
// token: the lowercase hex SHA-256 of the token's value written as nbytes
// little-endian bytes. A token is a hex number of 1 to 256 digits, either
// case, whose value fits in nbytes; anything else is ErrMalformedToken.
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
// token, (false, ErrTokenExpired) for the user's token past its expiry
// (see [ExpiresAfter]) or a replaced token past its grace (see
// [KeepPrevious]), (false, ErrNotRegistered), (false, ErrInvalidUser), or
// (false, err) when verification could not complete (the record could not
// be read or parsed). It hashes the token whether or not the user exists
// and compares hashes in constant time. Expiry is checked on every call,
// against the clock: a cached entry never outlives its token. For a
// cached user, or a name cached as unknown, it neither allocates nor,
// while change notifications work, makes a system call.
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
	e, now, err := c.get(ctx, user)
	if err != nil {
		return false, err
	}
	// The common answers inline: one comparison of hashes, one of the
	// clock reading that get made with the entry's expiry.
	if subtle.ConstantTimeCompare(sum[:], e.hash[:]) == 1 && wellFormed {
		if now < e.expires {
			return true, nil
		}
		return false, ErrTokenExpired
	}
	if e.prev != nil {
		return e.prev.check(&sum, wellFormed, now)
	}
	return false, nil
}

// get returns the user's record from memory, or reads it from the store;
// ErrInvalidUser for a name that cannot have a record. Only valid names
// are ever cached, so a name found in memory needs no check. now is the
// memo clock when the answer was found, for entry.check.
func (c *Cache) get(ctx context.Context, user string) (e *entry, now int64, err error) {
	e, absent, fresh, gen, now := c.memo.lookup(user)
	switch {
	case fresh && absent:
		// A name missing from the names listed may be no name at all.
		if err := checkUser(user); err != nil {
			return nil, now, err
		}
		return nil, now, ErrNotRegistered
	case fresh:
		return e, now, nil
	}
	if err := checkUser(user); err != nil {
		return nil, now, err
	}
	loaded, err := c.load(ctx, user, gen, nil)
	now = c.memo.now()
	if err != nil && e != nil && c.outage(err, e, now) {
		c.memo.stats.outageAnswers.Add(1)
		return e, now, nil
	}
	return loaded, now, err
}

// outage reports whether stale, an entry that is no longer fresh, may
// answer at now in place of a store that could not be read (err): only
// with WithOutageGrace, and only if stale is younger than the grace.
func (c *Cache) outage(err error, stale *entry, now int64) bool {
	return c.grace > 0 && !errors.Is(err, errBadRecord) && !errors.Is(err, ErrNotRegistered) &&
		now-stale.read < int64(c.grace)
}

// load reads the user's record from the store and caches what it found,
// unless a change was reported since gen (see memo.add), and the user's
// whole record into *u if u is not nil. A record that cannot be parsed is
// never cached.
func (c *Cache) load(ctx context.Context, user string, gen uint64, u *User) (*entry, error) {
	c.memo.stats.loads.Add(1)
	// Both clocks at once: the entry's expiries are placed on the memo
	// clock by their distance from this wall clock reading.
	read, wall := c.memo.now(), c.wall()
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
	var email string
	var emailTo *string
	if u != nil {
		emailTo = &email
	}
	r, err := decodeRecord(user, rec.Data, emailTo)
	if err != nil {
		c.memo.stats.loadErrors.Add(1)
		return nil, err
	}
	if u != nil {
		*u = r.userOf(email)
	}
	e := newEntry(&r, read, wall, rec.PollOnly)
	c.memo.add(gen, e)
	return e, nil
}

// LoadUser, the Python API's load_user, reads the user's record from the
// store, caches what Verify needs of it and returns it; ErrNotRegistered
// if there is none.
func (c *Cache) LoadUser(user string) (User, error) {
	if err := c.usable(user); err != nil {
		return User{}, err
	}
	var u User
	if _, err := c.load(context.Background(), user, c.memo.generation(user), &u); err != nil {
		return User{}, wrapUser(err, user)
	}
	return u, nil
}

// GetUser, the Python API's get_user, is LoadUser: the cache keeps in
// memory only what Verify needs, not the email, so it reads the record.
func (c *Cache) GetUser(user string) (User, error) { return c.LoadUser(user) }

// UserExists, the Python API's user_exists, reports whether the user has
// a record, from memory if the answer is cached there. The error is non-nil only if that could not be
// told (an unusable name, an unreadable record).
func (c *Cache) UserExists(user string) (bool, error) {
	if err := c.usable(user); err != nil {
		return false, err
	}
	_, _, err := c.get(context.Background(), user)
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

// WriteUser, the Python API's write_user, writes the user's record,
// replacing any record the user has, in one atomic step. hashedToken must be 64 hex digits (stored in lower
// case), as HashToken returns; email must be a single bare address. The
// name must be one that Register accepts for a new user, else it is a
// [*NameError] (ErrInvalidUser). The token it records never expires, and
// no earlier token keeps working.
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
// With [ExpiresAfter] the token stops verifying after a while; without,
// it works until a Reset or a Deregister. [KeepPrevious] is an error
// here: a new user has no token to keep.
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
func (c *Cache) Register(user, email string, opts ...TokenOption) (token string, err error) {
	return c.RegisterContext(context.Background(), user, email, opts...)
}

// RegisterContext is [Cache.Register] with a context that bounds the
// store's work.
func (c *Cache) RegisterContext(ctx context.Context, user, email string, opts ...TokenOption) (token string, err error) {
	o, err := newTokenOptions(opts, false)
	if err != nil {
		return "", err
	}
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
	u := o.newUser(user, email, c.wall(), nil)
	token, rec, err := c.newToken(&u)
	if err == nil {
		defer c.memo.Changed(user)
		err = c.store.Create(ctx, user, rec)
	}
	done(err)
	if err != nil {
		return "", err
	}
	o.report(u)
	return token, nil
}

// Reset gives a registered user a new token, returned as Register does,
// if email is the one registered (compared in constant time); else
// ErrEmailMismatch. The old token stops working, and so does any token
// an earlier Reset kept, unless [KeepPrevious]: then the old token works
// on for a grace, and only it. With [ExpiresAfter] the new token stops
// verifying after a while. Reset, Deregister, WriteUser and RemoveUser on
// one store are atomic with respect to each other, across processes.
func (c *Cache) Reset(user, email string, opts ...TokenOption) (token string, err error) {
	return c.ResetContext(context.Background(), user, email, opts...)
}

// ResetContext is [Cache.Reset] with a context that bounds the store's
// work.
func (c *Cache) ResetContext(ctx context.Context, user, email string, opts ...TokenOption) (token string, err error) {
	o, err := newTokenOptions(opts, true)
	if err != nil {
		return "", err
	}
	if err := c.usable(user); err != nil {
		return "", err
	}
	if err := checkEmail(email); err != nil {
		return "", fmt.Errorf("%w for %q", err, user)
	}
	var written User
	err = c.swap(ctx, user, func(cur *record, registeredEmail string) ([]byte, error) {
		// Hashes first, so that the time taken does not tell the
		// registered email's length either.
		registered, given := sha256.Sum256([]byte(registeredEmail)), sha256.Sum256([]byte(email))
		if subtle.ConstantTimeCompare(registered[:], given[:]) != 1 {
			return nil, fmt.Errorf("%w: %q", ErrEmailMismatch, user)
		}
		var rec []byte
		var err error
		written = o.newUser(user, registeredEmail, c.wall(), cur)
		token, rec, err = c.newToken(&written)
		return rec, err
	})
	if err != nil {
		return "", err
	}
	o.report(written)
	return token, nil
}

// Deregister removes the user's record if token is the user's current
// token; ErrInvalidToken if it is wrong or malformed, or a token that a
// Reset replaced (even while [KeepPrevious] keeps it working),
// ErrTokenExpired if it has expired, ErrNotRegistered if there is no
// record. A Deregister racing a Reset never removes the record the Reset
// wrote with the token it replaced.
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
	return c.swap(ctx, user, func(cur *record, _ string) ([]byte, error) {
		switch {
		case subtle.ConstantTimeCompare(sum[:], cur.hash[:]) != 1 || !wellFormed:
			return nil, fmt.Errorf("%w for %q", ErrInvalidToken, user)
		case !cur.expires.IsZero() && !c.wall().Before(cur.expires):
			return nil, fmt.Errorf("%w for %q", ErrTokenExpired, user)
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
func (c *Cache) swap(ctx context.Context, user string, next func(cur *record, email string) ([]byte, error)) error {
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
		data, err := next(&cur, email)
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

// newToken returns a new random token and the record u with its hash,
// which it sets in u.
func (c *Cache) newToken(u *User) (token string, rec []byte, err error) {
	b := make([]byte, c.nbytes)
	c.randMu.Lock()
	_, err = io.ReadFull(c.rand, b)
	c.randMu.Unlock()
	if err != nil {
		return "", nil, fmt.Errorf("cache: reading randomness: %w", err)
	}
	token = hex.EncodeToString(b)
	sum, _ := hashToken(token, c.nbytes) // 2·nbytes hex digits: always well formed
	u.HashedToken = hex.EncodeToString(sum[:])
	return token, encodeRecord(*u), nil
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
