//go:build !keyauthbench

package echomw_test

import "github.com/fixiecreds/fixiecreds/cache"

// keyAuthBenches has nothing to add without the keyauthbench build tag:
// Echo's middleware package needs golang.org/x/time, which this module's
// go.sum does not hold.
func keyAuthBenches(*cache.Cache, string) []echoBench { return nil }
