package grpcmw

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/credentials"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// The metadata keys of the credentials: the middleware's headers, in the
// lower case that gRPC metadata keys are.
var (
	userKey  = strings.ToLower(middleware.DefaultUserHeader)
	tokenKey = strings.ToLower(middleware.DefaultTokenHeader)
)

// Credentials returns per-RPC credentials that send user and token in the
// x-fixie-user and x-fixie-token metadata of each call, for
// grpc.WithPerRPCCredentials or grpc.PerRPCCredentials. They require
// transport security: gRPC refuses to send them over a connection without
// TLS, so that the token never crosses a network in the clear. Printing
// them never shows the token.
func Credentials(user, token string) credentials.PerRPCCredentials {
	return &perRPC{user: user, token: token, secure: true}
}

// InsecureCredentials is [Credentials] that are sent over any connection,
// TLS or not: for loopback addresses and tests.
func InsecureCredentials(user, token string) credentials.PerRPCCredentials {
	return &perRPC{user: user, token: token}
}

// perRPC holds the credentials that one client sends.
type perRPC struct {
	user, token string
	secure      bool
}

// GetRequestMetadata returns the metadata of the credentials; with
// transport security required, an error on a connection whose security is
// below privacy and integrity (gRPC itself checks that first).
func (c *perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if c.secure {
		ri, _ := credentials.RequestInfoFromContext(ctx)
		if err := credentials.CheckSecurityLevel(ri.AuthInfo, credentials.PrivacyAndIntegrity); err != nil {
			return nil, fmt.Errorf("grpcmw: credentials not sent: %w", err)
		}
	}
	return map[string]string{userKey: c.user, tokenKey: c.token}, nil
}

// RequireTransportSecurity reports whether the credentials go only over
// TLS.
func (c *perRPC) RequireTransportSecurity() bool { return c.secure }

// String names the user and leaves the token out.
func (c *perRPC) String() string { return fmt.Sprintf("grpcmw.Credentials(%q)", c.user) }

// GoString is String, for %#v.
func (c *perRPC) GoString() string { return c.String() }
