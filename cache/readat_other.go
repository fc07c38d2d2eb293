//go:build !linux

package cache

import (
	"errors"
	"os"
)

// openDir opens nothing here (the syscall package has openat on Linux
// only): every read goes through os.Root.
func openDir(string) (*os.File, int, error) { return nil, 0, errors.ErrUnsupported }

// readAt is never called here, since openDir fails.
func readAt(int, string, int) ([]byte, fileStamp, bool, error) { return nil, fileStamp{}, false, nil }
