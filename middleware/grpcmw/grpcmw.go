package grpcmw

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// An Option configures an interceptor.
type Option func(*door)

// WithSkip lets through unchecked the calls for which skip reports true;
// fullMethod is the call's "/package.Service/Method". Their incoming
// metadata still loses the token and any key that reads as a credential
// key, and their context holds no user.
func WithSkip(skip func(ctx context.Context, fullMethod string) bool) Option {
	return func(d *door) { d.skip = skip }
}

// WithOnOutcome has f called with every call's decision, before the
// handler runs or the call is refused: ctx is the call's context as it
// came, fullMethod its method. o never holds the token; o.Err, which tells
// whether a user exists, is for logs, not for the client. o.Elapsed is
// measured.
func WithOnOutcome(f func(ctx context.Context, fullMethod string, o middleware.Outcome)) Option {
	return func(d *door) { d.onOutcome = f }
}

// UnaryServerInterceptor returns an interceptor that runs a unary call's
// handler only for valid credentials in its metadata, as the package
// documentation describes. It panics, when called and not on a call, if v
// is nil or a nil pointer, as middleware.Auth does.
func UnaryServerInterceptor(v middleware.Verifier, opts ...Option) grpc.UnaryServerInterceptor {
	d := newDoor(v, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := d.admit(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is [UnaryServerInterceptor] for streaming calls:
// the handler's stream has the context that carries the user and the
// metadata without the token.
func StreamServerInterceptor(v middleware.Verifier, opts ...Option) grpc.StreamServerInterceptor {
	d := newDoor(v, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := d.admit(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
}

// door is one configured interceptor.
type door struct {
	chk       *middleware.Checker
	skip      func(context.Context, string) bool
	onOutcome func(context.Context, string, middleware.Outcome)
}

// newDoor returns the door of v and opts, or panics.
func newDoor(v middleware.Verifier, opts []Option) *door {
	chk, err := middleware.NewChecker(v, middleware.Config{})
	if err != nil {
		panic(err)
	}
	d := &door{chk: chk}
	for _, opt := range opts {
		opt(d)
	}
	if d.onOutcome != nil {
		d.chk = chk.Timed()
	}
	return d
}

// admit decides the call whose context is ctx. It returns the context for
// the handler, whose incoming metadata is a copy without the token, or the
// error that ends the call.
func (d *door) admit(ctx context.Context, method string) (context.Context, error) {
	// A copy, with lower-case keys: the metadata in ctx is not ours to change.
	md, _ := metadata.FromIncomingContext(ctx)
	var o middleware.Outcome
	if d.skip != nil && d.skip(ctx, method) {
		var start time.Time
		if d.onOutcome != nil {
			start = time.Now()
		}
		d.chk.Strip(md)
		o.Result = middleware.Skipped
		if d.onOutcome != nil {
			o.Elapsed = time.Since(start)
		}
	} else {
		o = d.chk.Check(ctx, md)
	}
	if d.onOutcome != nil {
		d.onOutcome(ctx, method, o)
	}
	switch o.Result {
	case middleware.Accepted:
		return middleware.ContextWithUser(metadata.NewIncomingContext(ctx, md), o.User), nil
	case middleware.Skipped:
		return metadata.NewIncomingContext(ctx, md), nil
	case middleware.Missing:
		return nil, status.Error(codes.Unauthenticated, middleware.ErrMissingCredentials.Error())
	case middleware.Failed:
		if err := ctx.Err(); err != nil {
			return nil, status.FromContextError(err).Err()
		}
		return nil, status.Error(codes.Unavailable, middleware.ErrVerifyFailed.Error())
	}
	return nil, status.Error(codes.Unauthenticated, middleware.ErrInvalidCredentials.Error())
}

// serverStream is a stream whose context is the one admit made.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context that carries the verified user.
func (s *serverStream) Context() context.Context { return s.ctx }
