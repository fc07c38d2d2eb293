package middleware_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/middleware"
)

func TestUserFromContext(t *testing.T) {
	t.Parallel()
	type otherKey struct{}
	base := context.WithValue(context.Background(), otherKey{}, "kept")
	tests := []struct {
		name     string
		ctx      context.Context
		wantUser string
		wantOK   bool
	}{
		{name: "nil", ctx: nil},
		{name: "background", ctx: context.Background()},
		{name: "with user", ctx: middleware.ContextWithUser(base, "alice"), wantUser: "alice", wantOK: true},
		{name: "empty user is still a user", ctx: middleware.ContextWithUser(base, ""), wantUser: "", wantOK: true},
		{name: "innermost wins", ctx: middleware.ContextWithUser(middleware.ContextWithUser(base, "alice"), "bob"), wantUser: "bob", wantOK: true},
		{
			name:     "derived context",
			ctx:      context.WithValue(middleware.ContextWithUser(base, "alice"), otherKey{}, "shadow"),
			wantUser: "alice", wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			user, ok := middleware.UserFromContext(tt.ctx)
			assert.Equal(t, tt.wantUser, user)
			assert.Equal(t, tt.wantOK, ok)
		})
	}
}

func TestContextWithUserKeepsParent(t *testing.T) {
	t.Parallel()
	type otherKey struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), otherKey{}, "kept"), deadline)
	ctx := middleware.ContextWithUser(parent, "alice")
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()

	assert.Equal(t, "kept", child.Value(otherKey{}))
	got, ok := child.Deadline()
	assert.True(t, ok)
	assert.Equal(t, deadline, got)
	require.NoError(t, child.Err())

	cancel()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the parent did not reach a context derived from the user context")
	}
	assert.ErrorIs(t, child.Err(), context.Canceled)
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

func TestContextWithUserNilParentPanics(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() {
		//lint:ignore SA1012 the nil parent is the point of the test
		middleware.ContextWithUser(nil, "alice")
	})
}

func TestUserContextString(t *testing.T) {
	t.Parallel()
	ctx := middleware.ContextWithUser(context.Background(), "alice")
	got := fmt.Sprint(ctx)
	assert.Equal(t, "context.Background.WithUser", got)
	assert.NotContains(t, got, "alice")
}
