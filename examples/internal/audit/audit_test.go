package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

var at = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func TestRecordLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	require.NoError(t, err)
	ctx := httpapi.WithClientAddr(context.Background(), "10.0.0.7")
	require.NoError(t, l.Record(ctx, httpapi.AuditEvent{Time: at, Operation: httpapi.AuditReset, User: "ci",
		Outcome: httpapi.AuditOK, Expires: at.Add(720 * time.Hour), PreviousExpires: at.Add(24 * time.Hour)}))
	require.NoError(t, l.Record(context.Background(), httpapi.AuditEvent{Time: at.In(time.FixedZone("CET", 3600)),
		Operation: httpapi.AuditRemove, User: "名前\u202e", Outcome: httpapi.AuditNotRegistered}))
	require.NoError(t, l.Close())
	assert.Error(t, l.Record(ctx, httpapi.AuditEvent{}), "closed")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `{"time":"2026-03-01T12:00:00.123Z","operation":"reset","user":"ci","outcome":"ok","expires":"2026-03-31T12:00:00Z","previous_expires":"2026-03-02T12:00:00Z","client":"10.0.0.7"}`+"\n"+
		`{"time":"2026-03-01T12:00:00.123Z","operation":"remove","user":"\u540d\u524d\u202e","outcome":"not_registered"}`+"\n", string(data))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Opened again, as after a restart: the trail goes on.
	l, err = Open(path)
	require.NoError(t, err)
	require.NoError(t, l.Record(ctx, httpapi.AuditEvent{Time: at, Operation: httpapi.AuditRegister, User: strings.Repeat("é", 200), Outcome: httpapi.AuditInvalidUser}))
	require.NoError(t, l.Close())
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 3)
	var last map[string]string
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &last))
	assert.Equal(t, strings.Repeat("é", 128)+"...", last["user"], "cut at 256 bytes, on a character")
}

func TestRecordConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	var logs [2]*Log // two handles, as two processes would have
	for i := range logs {
		l, err := Open(path)
		require.NoError(t, err)
		logs[i] = l
		t.Cleanup(func() { l.Close() })
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				assert.NoError(t, logs[g%2].Record(context.Background(), httpapi.AuditEvent{Time: at,
					Operation: httpapi.AuditRegister, User: fmt.Sprintf("user-%d-%d", g, i), Outcome: httpapi.AuditOK}))
			}
		})
	}
	wg.Wait()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	assert.Len(t, lines, 400)
	for _, line := range lines {
		var e map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &e), "a whole line: %q", line)
	}
}

// A write that fails is an error: the service then answers 500.
func TestRecordFailure(t *testing.T) {
	t.Parallel()
	l, err := Open("/dev/full")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	err = l.Record(context.Background(), httpapi.AuditEvent{Time: at, Operation: httpapi.AuditRegister, User: "alice", Outcome: httpapi.AuditOK})
	assert.ErrorContains(t, err, "no space left on device")

	_, err = Open(filepath.Join(t.TempDir(), "missing", "audit.log"))
	assert.Error(t, err)
}
