package cache

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
)

// WithRand sets the source of token randomness, crypto/rand by default.
// It is for tests only: anything but a cryptographic source makes tokens
// guessable. Reads from r are serialized.
func WithRand(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("cache: nil random source")
		}
		c.rand = r
		return nil
	}
}

// WithSeed, the Python API's seed, makes tokens a deterministic function
// of seed, for tests only: whoever knows the seed knows the tokens. The
// sequence is not the Python implementation's.
func WithSeed(seed uint64) Option {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return WithRand(rand.NewChaCha8(key))
}
