package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// brokenRegistry fails every operation as a cache whose disk is gone would,
// and puts a token-like string into its errors to prove answers never show
// them.
type brokenRegistry struct{}

var errBroken = errors.New("cache: open /creds/alice.json: input/output error ff00ff")

func (brokenRegistry) RegisterContext(context.Context, string, string) (string, error) {
	return "", errBroken
}
func (brokenRegistry) VerifyContext(context.Context, string, string) (bool, error) {
	return false, errBroken
}
func (brokenRegistry) DeregisterContext(context.Context, string, string) error { return errBroken }
func (brokenRegistry) ResetContext(context.Context, string, string) (string, error) {
	return "", errBroken
}

func TestServiceCouldNotComplete(t *testing.T) {
	t.Parallel()
	s := &service{users: brokenRegistry{}}
	tests := []struct {
		path, body, want string
	}{
		{"/register", `{"user":"alice","email":"a@example.org"}`, `{"message":"Register could not complete"}`},
		{"/verify", `{"user":"alice","token":"ff00ff"}`, `{"message":"Verify could not complete"}`},
		{"/deregister", `{"user":"alice","token":"ff00ff"}`, `{"message":"Deregister could not complete"}`},
		{"/reset", `{"user":"alice","email":"a@example.org"}`, `{"message":"Reset could not complete"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(tt.body)))
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, tt.want, rec.Body.String())
		})
	}
}

func TestBodies(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `{"message":"m"}`, string(messageBody("m")))
	assert.Equal(t, `{"message":"m","status":false}`, string(statusBody("m", false)))
	assert.Equal(t, `{"message":"m","status":true,"verified":false}`, string(verifyBody("m", true, false)))
	assert.Equal(t, `{"status":true,"token":"ab"}`, string(tokenBody("ab")))
	assert.Equal(t, `{"message":"m","status":false,"token":"<not-a-token>"}`, string(noTokenBody("m")))
}

func FuzzDecodeInput(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"user":"a","token":"ff"}`, `{"user":1}`, `{"user":"a","x":1}`,
		`{"user":"\u0000","token":""}`, "{\"user\":\"\xff\"}", `{"user":"a","user":"b","token":"1"}`,
	} {
		f.Add([]byte(seed))
	}
	names := []string{"token", "user"}
	f.Fuzz(func(t *testing.T, body []byte) {
		vals, err := decodeInput(body, names)
		if err != nil {
			if vals != nil {
				t.Fatalf("values %q with error %+v", vals, err)
			}
			return
		}
		if len(vals) != len(names) {
			t.Fatalf("got %d values, want %d", len(vals), len(names))
		}
		for i, v := range vals {
			if v == "" {
				t.Fatalf("empty %s accepted", names[i])
			}
		}
	})
}

// ctxKey marks the request context that ctxRegistry must be handed.
type ctxKey struct{}

// ctxRegistry records the value each call's context carries under ctxKey.
type ctxRegistry struct{ seen []any }

func (r *ctxRegistry) RegisterContext(ctx context.Context, _, _ string) (string, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return "ff", nil
}
func (r *ctxRegistry) VerifyContext(ctx context.Context, _, _ string) (bool, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return true, nil
}
func (r *ctxRegistry) DeregisterContext(ctx context.Context, _, _ string) error {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return nil
}
func (r *ctxRegistry) ResetContext(ctx context.Context, _, _ string) (string, error) {
	r.seen = append(r.seen, ctx.Value(ctxKey{}))
	return "ff", nil
}

// TestServicePassesRequestContext checks that every operation runs under
// the request's context, so that a client that goes away stops it.
func TestServicePassesRequestContext(t *testing.T) {
	t.Parallel()
	reg := &ctxRegistry{}
	s := &service{users: reg}
	for _, tc := range []struct{ path, body string }{
		{"/register", `{"user":"alice","email":"a@example.org"}`},
		{"/verify", `{"user":"alice","token":"ff"}`},
		{"/deregister", `{"user":"alice","token":"ff"}`},
		{"/reset", `{"user":"alice","email":"a@example.org"}`},
	} {
		req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
		req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, tc.path))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, tc.path)
	}
	assert.Equal(t, []any{"/register", "/verify", "/deregister", "/reset"}, reg.seen)
}
