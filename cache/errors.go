package cache

import "errors"

// Errors returned by the cache. Match them with [errors.Is]: most are wrapped
// with the user name for context, except on Verify's allocation-free path,
// which returns the sentinel itself.
var (
	// ErrAlreadyRegistered: Register was given a name that has a record.
	ErrAlreadyRegistered = errors.New("cache: user already registered")

	// ErrNotRegistered: the user has no record.
	ErrNotRegistered = errors.New("cache: user not registered")

	// ErrInvalidToken: Deregister was given a token that is wrong or
	// malformed for the user.
	ErrInvalidToken = errors.New("cache: invalid token")

	// ErrTokenExpired: the token is the user's, but its time is over: it
	// was issued with [ExpiresAfter] and has expired, or it is a token
	// replaced by a Reset with [KeepPrevious] whose grace has passed.
	// Verify and Deregister return it.
	ErrTokenExpired = errors.New("cache: token expired")

	// ErrMalformedToken: the token is not a hex number that fits in the
	// cache's token size (see [WithNBytes]).
	ErrMalformedToken = errors.New("cache: malformed token")

	// ErrEmailMismatch: Reset was given an email other than the registered one.
	ErrEmailMismatch = errors.New("cache: email does not match registered email")

	// ErrInvalidUser: the user name cannot name a record (see [CheckName]).
	ErrInvalidUser = errors.New("cache: invalid user name")

	// ErrInvalidEmail: the email is not a single bare address.
	ErrInvalidEmail = errors.New("cache: invalid email")

	// ErrClosed: the Cache was closed.
	ErrClosed = errors.New("cache: closed")

	// ErrConflict: a [Store]'s CompareAndSwap found that the record
	// changed since it was read. The cache reads it again and retries.
	ErrConflict = errors.New("cache: record changed concurrently")
)
