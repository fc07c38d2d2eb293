package grpcmw_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/grpcmw"
)

// calls are the two kinds of call, each through its interceptor.
var calls = []struct {
	name   string
	method string
	call   func(context.Context, healthpb.HealthClient, ...grpc.CallOption) error
}{
	{"unary", checkMethod, check},
	{"stream", watchMethod, watch},
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	c, token := newCache(t)
	s := serve(t, c, nil)
	hc := client(t, s.addr)
	wrong := strings.Repeat("0", len(token))
	tests := []struct {
		name   string
		md     metadata.MD
		result middleware.Result
		reason error
	}{
		{"no credentials", nil, middleware.Missing, middleware.ErrMissingCredentials},
		{"no token", metadata.Pairs("x-fixie-user", "alice"), middleware.Missing, middleware.ErrMissingCredentials},
		{"no user", metadata.Pairs("x-fixie-token", token), middleware.Missing, middleware.ErrMissingCredentials},
		{"empty token", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", ""), middleware.Missing, middleware.ErrMissingCredentials},
		{"malformed token", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", "not-hex"), middleware.Rejected, cache.ErrMalformedToken},
		{"unknown user", metadata.Pairs("x-fixie-user", "mallory", "x-fixie-token", token), middleware.Rejected, cache.ErrNotRegistered},
		{"wrong token", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", wrong), middleware.Rejected, cache.ErrInvalidToken},
		{"two users", metadata.Pairs("x-fixie-user", "alice", "x-fixie-user", "alice", "x-fixie-token", token), middleware.Rejected, middleware.ErrInvalidCredentials},
		{"two tokens", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", token, "x-fixie-token", token), middleware.Rejected, middleware.ErrInvalidCredentials},
		{"look-alike user", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", token, "x_fixie_user", "bob"), middleware.Rejected, middleware.ErrInvalidCredentials},
		{"look-alike token", metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", token, "x_fixie-token", token), middleware.Rejected, middleware.ErrInvalidCredentials},
	}
	for _, call := range calls {
		for _, tt := range tests {
			t.Run(call.name+"/"+tt.name, func(t *testing.T) {
				// Not parallel: each reads the outcome the last call reported.
				before := s.rec.handled()
				err := call.call(callCtx(t, tt.md), hc)
				st := status.Convert(err)
				assert.Equal(t, codes.Unauthenticated, st.Code(), "%v", err)
				want := middleware.ErrInvalidCredentials.Error()
				if tt.result == middleware.Missing {
					want = middleware.ErrMissingCredentials.Error()
				}
				assert.Equal(t, want, st.Message())
				assert.NotContains(t, st.Message(), token)
				assert.Equal(t, before, s.rec.handled(), "the handler ran")

				d := s.outcomes.last(t)
				assert.Equal(t, call.method, d.method)
				assert.Equal(t, tt.result, d.o.Result)
				assert.ErrorIs(t, d.o.Err, tt.reason)
				assert.NotContains(t, fmt.Sprint(d.o), token)
			})
		}
	}
}

func TestAccepted(t *testing.T) {
	t.Parallel()
	c, token := newCache(t)
	s := serve(t, c, nil)
	hc := client(t, s.addr, grpc.WithPerRPCCredentials(grpcmw.InsecureCredentials("alice", token)))
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			require.NoError(t, call.call(callCtx(t, metadata.Pairs("x-request-id", "7")), hc))
			got := s.rec.last(t)
			assert.True(t, got.hasUser, "no user in the handler's context")
			assert.Equal(t, "alice", got.user)
			assert.NotContains(t, got.md, "x-fixie-token", "the token reached the handler")
			assert.Equal(t, []string{"alice"}, got.md["x-fixie-user"])
			assert.Equal(t, []string{"7"}, got.md["x-request-id"], "other metadata reaches the handler")

			d := s.outcomes.last(t)
			assert.Equal(t, call.method, d.method)
			assert.Equal(t, middleware.Accepted, d.o.Result)
			assert.Equal(t, "alice", d.o.User)
			assert.NoError(t, d.o.Err)
			assert.Positive(t, d.o.Elapsed, "a hook gets the time the decision took")
		})
	}
}

func TestVerifierFails(t *testing.T) {
	t.Parallel()
	down := errors.New("store unreachable at 10.0.0.7")
	v := middleware.VerifierFunc(func(context.Context, string, string) (bool, error) { return false, down })
	s := serve(t, v, nil)
	hc := client(t, s.addr, grpc.WithPerRPCCredentials(grpcmw.InsecureCredentials("alice", "00ff")))
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			err := call.call(callCtx(t, nil), hc)
			st := status.Convert(err)
			assert.Equal(t, codes.Unavailable, st.Code(), "%v", err)
			assert.Equal(t, middleware.ErrVerifyFailed.Error(), st.Message(), "the verifier's error stays in the server")
			assert.Zero(t, s.rec.handled(), "the handler ran")
			d := s.outcomes.last(t)
			assert.Equal(t, middleware.Failed, d.o.Result)
			assert.ErrorIs(t, d.o.Err, middleware.ErrVerifyFailed)
			assert.ErrorIs(t, d.o.Err, down)
		})
	}
}

// TestContextEnded: a call whose context ended while it was verified gets
// its own code, not Unavailable.
func TestContextEnded(t *testing.T) {
	t.Parallel()
	v := middleware.VerifierFunc(func(ctx context.Context, _, _ string) (bool, error) {
		<-ctx.Done()
		return false, ctx.Err()
	})
	unary := grpcmw.UnaryServerInterceptor(v)
	stream := grpcmw.StreamServerInterceptor(v)
	md := metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", "00ff")
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel := context.WithTimeout(t.Context(), 0)
	defer cancel()
	for _, tt := range []struct {
		ctx  context.Context
		code codes.Code
	}{
		{canceled, codes.Canceled},
		{expired, codes.DeadlineExceeded},
	} {
		t.Run(tt.code.String(), func(t *testing.T) {
			ctx := metadata.NewIncomingContext(tt.ctx, md)
			handled := false
			_, err := unary(ctx, nil, &grpc.UnaryServerInfo{FullMethod: checkMethod}, func(context.Context, any) (any, error) {
				handled = true
				return nil, nil
			})
			assert.Equal(t, tt.code, status.Code(err), "unary: %v", err)
			err = stream(nil, &fakeStream{ctx: ctx}, &grpc.StreamServerInfo{FullMethod: watchMethod}, func(any, grpc.ServerStream) error {
				handled = true
				return nil
			})
			assert.Equal(t, tt.code, status.Code(err), "stream: %v", err)
			assert.False(t, handled, "the handler ran")
		})
	}
}

// fakeStream is a server stream with nothing but a context.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *fakeStream) Context() context.Context { return s.ctx }

func TestSkip(t *testing.T) {
	t.Parallel()
	c, token := newCache(t)
	s := serve(t, c, nil, grpcmw.WithSkip(func(_ context.Context, method string) bool { return method == checkMethod }))
	hc := client(t, s.addr)

	// The skipped method runs without credentials, and loses the token and
	// the look-alikes it was sent.
	md := metadata.Pairs("x-fixie-user", "alice", "x-fixie-token", token, "x_fixie_user", "bob", "x-request-id", "7")
	require.NoError(t, check(callCtx(t, md), hc))
	got := s.rec.last(t)
	assert.False(t, got.hasUser, "a skipped call has a user")
	assert.NotContains(t, got.md, "x-fixie-token")
	assert.NotContains(t, got.md, "x_fixie_user")
	assert.Equal(t, []string{"alice"}, got.md["x-fixie-user"])
	assert.Equal(t, []string{"7"}, got.md["x-request-id"])
	d := s.outcomes.last(t)
	assert.Equal(t, checkMethod, d.method)
	assert.Equal(t, middleware.Skipped, d.o.Result)
	assert.NoError(t, d.o.Err)

	require.NoError(t, check(callCtx(t, nil), hc))

	// The others are still checked.
	err := watch(callCtx(t, nil), hc)
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
	assert.Equal(t, middleware.Missing, s.outcomes.last(t).o.Result)
}

// TestResetEndsOldToken: once a reset returns, the old token is refused on
// the very next call, and the new one is accepted.
func TestResetEndsOldToken(t *testing.T) {
	t.Parallel()
	c, token := newCache(t)
	s := serve(t, c, nil)
	old := grpc.PerRPCCredentials(grpcmw.InsecureCredentials("alice", token))
	hc := client(t, s.addr)
	for _, call := range calls {
		require.NoError(t, call.call(callCtx(t, nil), hc, old), call.name)
	}

	newToken, err := c.Reset("alice", "alice@example.org")
	require.NoError(t, err)
	for _, call := range calls {
		err := call.call(callCtx(t, nil), hc, old)
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s with the old token: %v", call.name, err)
		assert.ErrorIs(t, s.outcomes.last(t).o.Err, cache.ErrInvalidToken)
		assert.NoError(t, call.call(callCtx(t, nil), hc, grpc.PerRPCCredentials(grpcmw.InsecureCredentials("alice", newToken))), call.name)
	}
}

// TestExpiredTokenRefused: a token that ends is refused as any wrong one
// is, once it has ended, and the outcome says why.
func TestExpiredTokenRefused(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t)
	token, err := c.Register("ci", "ci@example.org", cache.ExpiresAfter(time.Second))
	require.NoError(t, err)
	s := serve(t, c, nil)
	creds := grpc.PerRPCCredentials(grpcmw.InsecureCredentials("ci", token))
	hc := client(t, s.addr)
	for _, call := range calls {
		var err error
		deadline := time.Now().Add(10 * time.Second)
		for err = call.call(callCtx(t, nil), hc, creds); err == nil && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			err = call.call(callCtx(t, nil), hc, creds)
		}
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s: %v", call.name, err)
		assert.Equal(t, "middleware: invalid credentials", status.Convert(err).Message(), call.name)
		o := s.outcomes.last(t).o
		assert.Equal(t, middleware.Rejected, o.Result, call.name)
		assert.ErrorIs(t, o.Err, cache.ErrTokenExpired, call.name)
	}
}

// TestCredentials: Credentials go over TLS only; printing them shows no
// token.
func TestCredentials(t *testing.T) {
	t.Parallel()
	c, token := newCache(t)
	creds := grpcmw.Credentials("alice", token)
	assert.True(t, creds.RequireTransportSecurity())
	assert.False(t, grpcmw.InsecureCredentials("alice", token).RequireTransportSecurity())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, creds), token, format)
		assert.Contains(t, fmt.Sprintf(format, creds), "alice", format)
	}

	t.Run("insecure connection", func(t *testing.T) {
		t.Parallel()
		s := serve(t, c, nil)
		err := check(callCtx(t, nil), client(t, s.addr), grpc.PerRPCCredentials(creds))
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
		assert.Zero(t, s.rec.handled(), "the call went through")
		s.outcomes.mu.Lock()
		defer s.outcomes.mu.Unlock()
		assert.Empty(t, s.outcomes.got, "the credentials reached the server")
	})
	t.Run("TLS", func(t *testing.T) {
		t.Parallel()
		srvCreds, cliCreds := tlsCreds(t)
		s := serve(t, c, []grpc.ServerOption{grpc.Creds(srvCreds)})
		hc := client(t, s.addr, grpc.WithTransportCredentials(cliCreds), grpc.WithPerRPCCredentials(creds))
		for _, call := range calls {
			require.NoError(t, call.call(callCtx(t, nil), hc), call.name)
			assert.Equal(t, "alice", s.rec.last(t).user)
		}
	})
}

func TestNilVerifierPanics(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { grpcmw.UnaryServerInterceptor(nil) })
	assert.Panics(t, func() { grpcmw.StreamServerInterceptor((*cache.Cache)(nil)) })
}
