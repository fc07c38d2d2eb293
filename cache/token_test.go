package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyVectors are computed by the Python implementation: testdata/pyvectors.py.
type pyVectors struct {
	Records []struct {
		User, Email, Token string
		HashedToken        string `json:"hashed_token"`
		File               string
	}
	Tokens []struct {
		NBytes      int
		Token, Hash string
	}
}

func loadPyVectors(t testing.TB) pyVectors {
	t.Helper()
	data, err := os.ReadFile("testdata/python_vectors.json")
	require.NoError(t, err)
	var v pyVectors
	require.NoError(t, json.Unmarshal(data, &v))
	require.NotEmpty(t, v.Records)
	require.NotEmpty(t, v.Tokens)
	return v
}

func TestHashTokenDesignVectors(t *testing.T) {
	c := newTestCache(t)
	for _, tc := range []struct{ token, want string }{
		{"46685257bdd640fb06671ad11c80317fa3b1799d", "897ddb19c14430f6f72fcfd885af7cddf0ffb220ab765df4a1b283c473a69423"},
		{"0", "de47c9b27eb8d300dbb5f2c353e632c393262cf06340c4fa7f1b40c4cbd36f90"},
		{"ff", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
		{"00ff", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
		{"FF", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
		{strings.Repeat("0", 216) + "ff", "eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886"},
	} {
		t.Run(tc.token[:min(len(tc.token), 12)], func(t *testing.T) {
			got, err := c.HashToken(tc.token)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NoError(t, c.CheckToken(tc.token))
		})
	}
}

func TestHashTokenMalformed(t *testing.T) {
	c := newTestCache(t)
	for _, token := range []string{
		"", "zz", "0x1f", "-1", "+1", "1_f", " ff", "ff ", "f\x00", "ｆｆ",
		strings.Repeat("f", 41),         // value needs 21 bytes
		"1" + strings.Repeat("0", 40),   // likewise
		strings.Repeat("0", 257),        // too long even if zero
		strings.Repeat("0", 200) + "1g", // non-hex after zeros
	} {
		t.Run(token, func(t *testing.T) {
			got, err := c.HashToken(token)
			assert.ErrorIs(t, err, ErrMalformedToken)
			assert.Empty(t, got)
			assert.Same(t, ErrMalformedToken, c.CheckToken(token))
		})
	}
}

func TestCheckTokenAllocatesNothing(t *testing.T) {
	// Not watching, so that no background work of the cache counts.
	c := newTestCache(t, WithWatch(false))
	for _, token := range []string{"46685257bdd640fb06671ad11c80317fa3b1799d", `"ff"`, strings.Repeat("f", 41)} {
		assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = c.CheckToken(token) }), token)
	}
}

func TestHashTokenPythonVectors(t *testing.T) {
	for _, v := range loadPyVectors(t).Tokens {
		sum, ok := hashToken(v.Token, v.NBytes)
		require.True(t, ok, "nbytes %d token %q", v.NBytes, v.Token)
		assert.Equal(t, v.Hash, hex.EncodeToString(sum[:]), "nbytes %d token %q", v.NBytes, v.Token)
	}
}

// bigIntHash is a plain model of the token format: the value as a big
// integer, written as nbytes little-endian bytes.
func bigIntHash(token string, nbytes int) (string, bool) {
	if len(token) == 0 || len(token) > maxTokenLen || strings.ContainsAny(token, "+-_xX ") {
		return "", false
	}
	v, ok := new(big.Int).SetString(token, 16)
	if !ok || v.Sign() < 0 || v.BitLen() > 8*nbytes {
		return "", false
	}
	le := v.FillBytes(make([]byte, nbytes))
	for i, j := 0, len(le)-1; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	sum := sha256.Sum256(le)
	return hex.EncodeToString(sum[:]), true
}

func TestHashTokenMatchesBigIntModel(t *testing.T) {
	r := newTestRand(1)
	alphabet := "0123456789abcdefABCDEF"
	for i := range 5000 {
		nbytes := 1 + r.IntN(40)
		n := r.IntN(2*nbytes + 4)
		b := make([]byte, n)
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		if i%10 == 0 && n > 0 {
			b[r.IntN(n)] = "g-x_ \x00"[r.IntN(6)]
		}
		token := string(b)
		want, wantOK := bigIntHash(token, nbytes)
		sum, ok := hashToken(token, nbytes)
		require.Equal(t, wantOK, ok, "nbytes %d token %q", nbytes, token)
		if ok {
			require.Equal(t, want, hex.EncodeToString(sum[:]), "nbytes %d token %q", nbytes, token)
		}
	}
}
