package grpcmw

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/credentials"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// The metadata keys: the middleware's headers in lower case.
var (
	userKey  = strings.ToLower(middleware.DefaultUserHeader)
	tokenKey = strings.ToLower(middleware.DefaultTokenHeader)
)

// Credentials returns per-RPC credentials, for grpc.WithPerRPCCredentials or
// grpc.PerRPCCredentials, that send user and token in the x-fixie-user and
// x-fixie-token metadata of each call, only over TLS. Printing them never
// shows the token.
func Credentials(user, token string) credentials.PerRPCCredentials {
	return &perRPC{user: user, token: token, secure: true}
}

// InsecureCredentials is [Credentials] sent over any connection, TLS or
// not: for loopback addresses and tests.
func InsecureCredentials(user, token string) credentials.PerRPCCredentials {
	return &perRPC{user: user, token: token}
}

type perRPC struct {
	user, token string
	secure      bool
}

// GetRequestMetadata returns the metadata, or with secure an error below
// privacy and integrity (which gRPC checks first).
func (c *perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if c.secure {
		ri, _ := credentials.RequestInfoFromContext(ctx)
		if err := credentials.CheckSecurityLevel(ri.AuthInfo, credentials.PrivacyAndIntegrity); err != nil {
			return nil, fmt.Errorf("grpcmw: credentials not sent: %w", err)
		}
	}
	return map[string]string{userKey: c.user, tokenKey: c.token}, nil
}

// RequireTransportSecurity reports whether the credentials need TLS.
func (c *perRPC) RequireTransportSecurity() bool { return c.secure }

// String names the user and leaves the token out.
func (c *perRPC) String() string { return fmt.Sprintf("grpcmw.Credentials(%q)", c.user) }

// GoString is String, for %#v.
func (c *perRPC) GoString() string { return c.String() }
