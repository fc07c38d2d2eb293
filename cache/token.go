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

// hexValue maps a byte to the value of the hex digit it is, or to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("0123456789abcdef") {
		t[c] = byte(i)
	}
	for i, c := range []byte("ABCDEF") {
		t[c] = byte(10 + i)
	}
	return t
}()

// parseToken writes the value of the hex number token into dst as
// len(dst) little-endian bytes. It reports false, leaving dst zeroed, unless
// token is 1–256 hex digits (either case, leading zeros allowed) whose value
// fits in len(dst) bytes. It does not allocate.
func parseToken(dst []byte, token string) bool {
	n := len(token)
	if n == 2*len(dst) {
		// A token as generated: two digits a byte, the first byte last.
		var bad byte
		j := len(dst) - 1
		for i := 0; i+1 < n && j >= 0; i += 2 {
			hi, lo := hexValue[token[i]], hexValue[token[i+1]]
			bad |= hi | lo
			dst[j] = hi<<4 | lo
			j--
		}
		if bad > 0xf {
			clear(dst)
			return false
		}
		return true
	}
	clear(dst)
	if n == 0 || n > maxTokenLen {
		return false
	}
	for i := range n {
		if hexValue[token[i]] == 0xff {
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
	for i := range len(digits) {
		dst[i/2] |= hexValue[digits[len(digits)-1-i]] << (4 * (i % 2))
	}
	return true
}

// hashToken returns the SHA-256 of token's value written as nbytes
// little-endian bytes, and whether token was well formed. A malformed token
// is hashed as zero so that every call costs the same. It does not allocate.
func hashToken(token string, nbytes int) (sum [sha256.Size]byte, ok bool) {
	if nbytes <= 32 {
		// The usual sizes: a smaller buffer to clear.
		var buf [32]byte
		ok = parseToken(buf[:nbytes], token)
		return sha256.Sum256(buf[:nbytes]), ok
	}
	var buf [maxNBytes]byte
	ok = parseToken(buf[:nbytes], token)
	return sha256.Sum256(buf[:nbytes]), ok
}

// decodeHash parses a stored hashed_token: exactly 64 hex digits.
func decodeHash(s []byte) (sum [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return sum, false
	}
	_, err := hex.Decode(sum[:], s)
	return sum, err == nil
}

// hashHex returns a hash as a stored hashed_token: 64 lowercase hex digits.
func hashHex(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:]) }
