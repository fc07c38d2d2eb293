package cache

// store is where records live. The cache logic talks to records only
// through it, so that a store with its own change feed (a networked
// key-value store, say) can take the file system's place. Every method
// is safe for concurrent use, across processes sharing the store.
type store interface {
	// read returns the user's record as stored; ErrNotRegistered if
	// there is none. indirect reports a record reached through another
	// name too (a symbolic link, a second hard link): a change made
	// through that name may raise no notification for this user.
	read(user string) (data []byte, indirect bool, err error)

	// create stores rec for user only if the user has no record, in one
	// atomic step; ErrAlreadyRegistered otherwise.
	create(user string, rec []byte) error

	// put stores rec for user whether or not it has a record.
	put(user string, rec []byte) error

	// swap replaces the user's record by rec, or removes it when rec is
	// nil, provided that the record is still exactly old; errChanged if
	// it is not (or no longer exists).
	swap(user string, old, rec []byte) error

	// remove removes the user's record; ErrNotRegistered if there is none.
	remove(user string) error

	// list returns the names of the users that have a record, unsorted.
	list() ([]string, error)

	// watch starts telling s about changes made by anyone until stop is
	// called. When it cannot watch, it says so through s.watching(false)
	// and keeps trying; stop waits for everything it started to end.
	watch(s sink) (stop func())
}

// sink receives a store's change notifications.
type sink interface {
	// changed: the user's record may have changed.
	changed(user string)
	// changedAll: any record may have changed.
	changedAll()
	// watching: whether changes are being reported from now on. While
	// false, nothing cached can be trusted for longer than a poll interval.
	watching(on bool)
}
