//go:build !unix && !windows

package fsys

import (
	"errors"
	"os"
)

// Lock returns errors.ErrUnsupported: there is no lock across processes
// here.
func Lock(*os.Root, string) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}
