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

// Cache is a credentials cache backed by a directory with one record file
// per user. It is safe for concurrent use, and several Caches, in one
// process or many, may share a directory. Create one with New; Close it
// when done.
type Cache struct {
	dir    string
	nbytes int
	log    *slog.Logger
	store  store
	memo   *memo

	randMu sync.Mutex
	rand   io.Reader

	closed    atomic.Bool
	closeOnce sync.Once
	stopWatch func()
}

// New returns a Cache on the credentials directory credsdir, or on
// DefaultCredsDir() when credsdir is "". It creates the directory (mode
// 0700) if needed, removes temporary files that killed writers left there
// more than a minute ago, and, unless WithWatch(false), starts watching
// the directory for changes. If watching cannot start, New still succeeds:
// the cache then checks records against the disk at each poll interval and
// keeps trying to watch. Records are read lazily, on first use.
func New(credsdir string, opts ...Option) (*Cache, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if credsdir == "" {
		d, err := DefaultCredsDir()
		if err != nil {
			return nil, err
		}
		credsdir = d
	}
	dir, err := prepareDir(credsdir, cfg.log.Warn)
	if err != nil {
		return nil, err
	}
	fss := &fsStore{dir: dir, log: cfg.log, writeFile: cfg.writeFile, newWatcher: cfg.newWatcher, networkFS: cfg.networkFS, retry: cfg.poll}
	if err := fss.removeStaleTemps(time.Now()); err != nil {
		return nil, err
	}
	c := &Cache{
		dir:    dir,
		nbytes: cfg.nbytes,
		log:    cfg.log,
		store:  fss,
		memo:   newMemo(cfg.maxEntries, min(cfg.maxEntries, maxUnknownNames), cfg.poll, cfg.clock),
		rand:   cfg.rand,
	}
	if cfg.store != nil {
		c.store = cfg.store(fss)
	}
	if cfg.watch {
		c.stopWatch = c.store.watch(c.memo)
	}
	return c, nil
}

// Close stops watching for changes and waits until the watcher has
// stopped. Every later call that reads or writes records returns
// ErrClosed; CredsDir, UserCredFile and HashToken, which touch no record,
// keep working. Close is idempotent and always returns nil.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		if c.stopWatch != nil {
			c.stopWatch()
		}
	})
	return nil
}

// CredsDir returns the absolute path of the credentials directory.
func (c *Cache) CredsDir() string { return c.dir }

// UserCredFile returns the path of the user's record file,
// "<credsdir>/<user>.json", whether or not it exists. A user name is 1 to
// 250 bytes of valid UTF-8 with no '/', '\', NUL or other control
// character, not starting with '.'; any other is ErrInvalidUser.
func (c *Cache) UserCredFile(user string) (string, error) {
	if err := checkUser(user); err != nil {
		return "", fmt.Errorf("%w: %q", err, user)
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
	if err := checkUser(user); err != nil {
		return false, err
	}
	sum, wellFormed := hashToken(token, c.nbytes)
	e, err := c.get(user)
	if err != nil {
		return false, err
	}
	match := subtle.ConstantTimeCompare(sum[:], e.hash[:]) == 1
	return match && wellFormed, nil
}

// get returns the user's record from memory, or reads it from the store.
// The user name is valid.
func (c *Cache) get(user string) (*entry, error) {
	e, absent, gen := c.memo.lookup(user)
	switch {
	case e != nil:
		return e, nil
	case absent:
		return nil, ErrNotRegistered
	}
	return c.load(user, gen)
}

// load reads the user's record from the store and caches what it found,
// unless a change was reported since gen (see memo.add). A record that
// cannot be parsed is never cached.
func (c *Cache) load(user string, gen uint64) (*entry, error) {
	read := c.memo.now()
	data, indirect, err := c.store.read(user)
	if errors.Is(err, ErrNotRegistered) {
		c.memo.addUnknown(gen, user, read)
		return nil, ErrNotRegistered
	}
	if err != nil {
		return nil, err
	}
	u, sum, err := decodeRecord(user, data)
	if err != nil {
		return nil, err
	}
	e := &entry{user: u, hash: sum, read: read, pollOnly: indirect}
	c.memo.add(gen, user, e)
	return e, nil
}

// LoadUser reads the user's record from disk, caches it and returns it;
// ErrNotRegistered if there is none.
func (c *Cache) LoadUser(user string) (User, error) {
	if err := c.usable(user); err != nil {
		return User{}, err
	}
	e, err := c.load(user, c.memo.generation())
	if err != nil {
		return User{}, wrapUser(err, user)
	}
	return e.user, nil
}

// GetUser returns the user's record, from memory if it is cached there,
// else as LoadUser; ErrNotRegistered if there is none.
func (c *Cache) GetUser(user string) (User, error) {
	if err := c.usable(user); err != nil {
		return User{}, err
	}
	e, err := c.get(user)
	if err != nil {
		return User{}, wrapUser(err, user)
	}
	return e.user, nil
}

// UserExists reports whether the user has a record. The error is non-nil
// only if that could not be told (an unusable name, an unreadable record).
func (c *Cache) UserExists(user string) (bool, error) {
	_, err := c.GetUser(user)
	if errors.Is(err, ErrNotRegistered) {
		return false, nil
	}
	return err == nil, err
}

// Users returns the names of the users that have a record, sorted, or
// nil and the error if the directory could not be listed. It reads the
// directory, not the records: a listed user's record may still be
// unreadable.
func (c *Cache) Users() ([]string, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	users, err := c.store.list()
	if err != nil {
		return nil, err
	}
	slices.Sort(users)
	return users, nil
}

// WriteUser writes the user's record, replacing any record the user has,
// in one atomic step. hashedToken must be 64 hex digits (stored in lower
// case), as HashToken returns; email must be a single bare address.
func (c *Cache) WriteUser(user, email, hashedToken string) error {
	if err := c.usable(user); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return fmt.Errorf("%w for %q", err, user)
	}
	if _, ok := decodeHash(hashedToken); !ok {
		return errors.New("cache: hashed token is not 64 hex digits")
	}
	rec := encodeRecord(User{User: user, Email: email, HashedToken: strings.ToLower(hashedToken)})
	defer c.memo.changed(user)
	return c.store.put(user, rec)
}

// RemoveUser removes the user's record from memory and from disk;
// ErrNotRegistered if there is none.
func (c *Cache) RemoveUser(user string) error {
	if err := c.usable(user); err != nil {
		return err
	}
	defer c.memo.changed(user)
	return c.store.remove(user)
}

// Register creates a record for a new user and returns the user's token,
// the only time the token is seen: only its hash is stored. It returns
// ErrAlreadyRegistered if the user has a record, whoever else (another
// goroutine, another process) registers the same name at the same time.
func (c *Cache) Register(user, email string) (token string, err error) {
	return c.RegisterContext(context.Background(), user, email)
}

// RegisterContext is [Cache.Register] with a context that bounds the
// store's work.
func (c *Cache) RegisterContext(ctx context.Context, user, email string) (token string, err error) {
	if err := c.usable(user); err != nil {
		return "", err
	}
	if err := checkEmail(email); err != nil {
		return "", fmt.Errorf("%w for %q", err, user)
	}
	token, rec, err := c.newToken(user, email)
	if err != nil {
		return "", err
	}
	defer c.memo.changed(user)
	if err := c.store.create(user, rec); err != nil {
		return "", err
	}
	return token, nil
}

// Reset gives a registered user a new token, returned as Register does,
// if email is the one registered (compared in constant time); else
// ErrEmailMismatch. The old token stops working. Reset, Deregister,
// WriteUser and RemoveUser on one directory are atomic with respect to
// each other, across processes.
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
	err = c.swap(user, func(u User, _ [32]byte) ([]byte, error) {
		// Hashes first, so that the time taken does not tell the
		// registered email's length either.
		registered, given := sha256.Sum256([]byte(u.Email)), sha256.Sum256([]byte(email))
		if subtle.ConstantTimeCompare(registered[:], given[:]) != 1 {
			return nil, fmt.Errorf("%w: %q", ErrEmailMismatch, user)
		}
		var rec []byte
		var err error
		token, rec, err = c.newToken(user, u.Email)
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
	return c.swap(user, func(_ User, stored [32]byte) ([]byte, error) {
		if subtle.ConstantTimeCompare(sum[:], stored[:]) != 1 || !wellFormed {
			return nil, fmt.Errorf("%w for %q", ErrInvalidToken, user)
		}
		return nil, nil
	})
}

// swap is a read-check-write on the user's record: next gets the record as
// it is on disk and returns its replacement, nil to remove it. It retries
// when another writer changed the record in between.
func (c *Cache) swap(user string, next func(u User, hash [32]byte) ([]byte, error)) error {
	defer c.memo.changed(user)
	for range maxSwapTries {
		old, _, err := c.store.read(user)
		if err != nil {
			return wrapUser(err, user)
		}
		u, sum, err := decodeRecord(user, old)
		if err != nil {
			return err
		}
		rec, err := next(u, sum)
		if err != nil {
			return err
		}
		if err := c.store.swap(user, old, rec); !errors.Is(err, errChanged) {
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
	if err := checkUser(user); err != nil {
		return fmt.Errorf("%w: %q", err, user)
	}
	return nil
}

// wrapUser adds the user name to a bare ErrNotRegistered.
func wrapUser(err error, user string) error {
	if err == ErrNotRegistered {
		return fmt.Errorf("%w: %q", err, user)
	}
	return err
}
