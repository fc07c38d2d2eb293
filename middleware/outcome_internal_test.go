package middleware

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// The public names are declared here, for go doc to show plainly; the
// core must agree with them.
func TestPublicNamesMirrorTheCore(t *testing.T) {
	t.Parallel()
	for pub, core := range map[Result]authn.Result{
		Accepted: authn.Accepted, Skipped: authn.Skipped, Missing: authn.Missing,
		Rejected: authn.Rejected, Failed: authn.Failed,
	} {
		assert.Equal(t, uint8(core), uint8(pub), core.String())
		assert.Equal(t, core.String(), pub.String())
	}
	assert.Equal(t, authn.DefaultUserHeader, DefaultUserHeader)
	assert.Equal(t, authn.DefaultTokenHeader, DefaultTokenHeader)
	assert.Equal(t, authn.DefaultRealm, DefaultRealm)
}
