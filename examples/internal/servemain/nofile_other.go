//go:build !unix

package servemain

// openFileLimit cannot tell the limit on open descriptors here.
func openFileLimit() (uint64, bool) { return 0, false }
