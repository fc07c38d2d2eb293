package cache

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
)

// The options of this file are for tests only: with them, tokens can be
// guessed. They exist so that tests of code built on a Cache can know
// the tokens it issues.

// WithRand is for tests only: it sets the source of token randomness,
// crypto/rand by default, and anything but a cryptographic source makes
// tokens guessable. Reads from r are serialized.
func WithRand(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("cache: nil random source")
		}
		c.rand = r
		return nil
	}
}

// WithSeed is for tests only: it makes tokens a deterministic function of
// seed, so anyone who knows the seed knows the tokens. The sequence is
// not that of the Python implementation.
func WithSeed(seed uint64) Option {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return WithRand(rand.NewChaCha8(key))
}
