package middleware

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidFieldNameAndRealm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s           string
		name, realm bool
	}{
		{s: "X-Fixie-User", name: true, realm: true},
		{s: "x_api.key~1", name: true, realm: true},
		{s: "", name: false, realm: false},
		{s: "two words", name: false, realm: true},
		{s: "colon:", name: false, realm: true},
		{s: `quo"te`, name: false, realm: false},
		{s: `back\slash`, name: false, realm: false},
		{s: "tab\t", name: false, realm: false},
		{s: "ü", name: false, realm: false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.name, validFieldName(tt.s), "field name")
			assert.Equal(t, tt.realm, validRealm(tt.s), "realm")
		})
	}
}

func TestChallengeIsClipped(t *testing.T) {
	t.Parallel()
	for _, basic := range []bool{false, true} {
		c := challenge("r", basic)
		assert.Equal(t, len(c), cap(c))
	}
}

// FuzzScanBasic: whatever Authorization values come, a Basic one never
// stays in the header, a foreign one is never removed, and credentials come
// out of a Basic value only when it decodes.
func FuzzScanBasic(f *testing.F) {
	for _, seed := range []string{
		"Basic YWxpY2U6ZmY=", "basic YWxpY2U6ZmY=", "Basic ", "Basic !!!", "Bearer x",
		"Basic " + base64.StdEncoding.EncodeToString([]byte("a:b:c")), "Basic Og==", "",
	} {
		f.Add(seed)
	}
	chk, err := NewChecker(VerifierFunc(func(context.Context, string, string) (bool, error) { return true, nil }), Config{BasicAuth: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h := map[string][]string{"Authorization": {value}}
		o := chk.Check(context.Background(), h)
		if isBasic(value) != o.Basic {
			t.Fatalf("Basic=%v for %q", o.Basic, value)
		}
		if o.Basic && len(h["Authorization"]) != 0 {
			t.Fatalf("a Basic credential was left in the header")
		}
		if !o.Basic && len(h["Authorization"]) != 1 {
			t.Fatalf("a foreign Authorization header was removed")
		}
		if o.Result == Accepted && (o.User == "" || !o.Basic) {
			t.Fatalf("accepted %q from %q", o.User, value)
		}
		if o.Result == Accepted && strings.Contains(value[len(basicScheme):], ":") {
			t.Fatalf("the base64 text %q held a colon", value)
		}
	})
}

// BenchmarkWithUser measures handing the user on in the request context,
// the one allocation of a verified request, against the standard library's
// two steps (three allocations).
func BenchmarkWithUser(b *testing.B) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	user := string([]byte("alice")) // not a constant, as a header value is not
	// The requests go on to the next handler, so they must reach the heap.
	keep := &struct{ r *http.Request }{}
	b.Cleanup(func() { _ = keep.r })
	b.Run("withUser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			keep.r = withUser(req, user)
		}
	})
	b.Run("WithValue+WithContext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			keep.r = req.WithContext(context.WithValue(req.Context(), userKey{}, user))
		}
	})
}
