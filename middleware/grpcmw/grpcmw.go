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

// WithSkip lets through unchecked, and without a user, the calls whose
// "/package.Service/Method" skip reports true for; their incoming metadata
// still loses the token and look-alike keys.
func WithSkip(skip func(ctx context.Context, fullMethod string) bool) Option {
	return func(d *door) { d.skip = skip }
}

// WithOnOutcome has f called with every call's context, method and
// decision, before the handler runs or the call is refused. o never holds
// the token; o.Err tells whether a user exists and is for logs only.
func WithOnOutcome(f func(ctx context.Context, fullMethod string, o middleware.Outcome)) Option {
	return func(d *door) { d.onOutcome = f }
}

// UnaryServerInterceptor returns an interceptor that runs a unary call's
// handler only for valid credentials, as the package documentation says.
// It panics at once if v is nil or a nil pointer.
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

// StreamServerInterceptor is [UnaryServerInterceptor] for streams: the
// handler's stream context carries the user, and metadata without the token.
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

// admit returns the handler's context, with a copy of the metadata without
// the token, or the error that ends the call.
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

// serverStream is a stream with the context admit made.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context that carries the verified user.
func (s *serverStream) Context() context.Context { return s.ctx }
