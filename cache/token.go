package cache

import (
	"crypto/sha256"
	"encoding/hex"
)

const (
	defaultNBytes = 20
	maxNBytes     = 128 // a token is at most 256 hex digits
	maxTokenLen   = 2 * maxNBytes
)

// unhex returns the value of the hex digit c, or 0xff if c is not one.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// parseToken writes the value of the hex number token into dst as
// len(dst) little-endian bytes. It reports false, leaving dst zeroed, unless
// token is 1–256 hex digits (either case, leading zeros allowed) whose value
// fits in len(dst) bytes. It does not allocate.
func parseToken(dst []byte, token string) bool {
	clear(dst)
	if len(token) == 0 || len(token) > maxTokenLen {
		return false
	}
	for i := 0; i < len(token); i++ {
		if unhex(token[i]) == 0xff {
			return false
		}
	}
	digits := token
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) > 2*len(dst) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		dst[i/2] |= unhex(digits[len(digits)-1-i]) << (4 * (i % 2))
	}
	return true
}

// hashToken returns the SHA-256 of token's value written as nbytes
// little-endian bytes, and whether token was well formed. A malformed token
// is hashed as zero so that every call costs the same. It does not allocate.
func hashToken(token string, nbytes int) (sum [sha256.Size]byte, ok bool) {
	var buf [maxNBytes]byte
	ok = parseToken(buf[:nbytes], token)
	return sha256.Sum256(buf[:nbytes]), ok
}

// decodeHash parses a stored hashed_token: exactly 64 hex digits.
func decodeHash(s string) (sum [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return sum, false
	}
	_, err := hex.Decode(sum[:], []byte(s))
	return sum, err == nil
}
