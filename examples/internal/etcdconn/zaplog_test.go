package etcdconn

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestLoggerWritesThroughSlog(t *testing.T) {
	var out strings.Builder
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return dropTime(a) },
	}))
	zl := Logger(log.With("server", 1), zap.InfoLevel).With(zap.String("prefix", "/p/"))

	zl.Debug("below the level")
	zl.Info("plain")
	zl.Warn("with fields", zap.Duration("poll", time.Second), zap.Int64("rev", 7), zap.Error(errors.New("boom")))
	zl.Error("an error")

	assert.Equal(t, `level=INFO msg=plain server=1 prefix=/p/
level=WARN msg="with fields" server=1 prefix=/p/ error=boom poll=1s rev=7
level=ERROR msg="an error" server=1 prefix=/p/
`, out.String())
}

// TestLoggerBounded shows that a message etcd's client logs once per
// failed call ("retrying of unary invoker failed", while etcd is out of
// reach) does not grow the log at the rate clients send requests: a few
// lines of it per period, while other messages still get through.
func TestLoggerBounded(t *testing.T) {
	var out strings.Builder
	zl := Logger(slog.New(slog.NewTextHandler(&out, nil)), zap.InfoLevel)
	for range 1000 {
		zl.Warn("retrying of unary invoker failed", zap.Int64("attempt", 0))
	}
	zl.Warn("another message")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, sampleFirst+1, len(lines))
	assert.Contains(t, lines[len(lines)-1], "another message")
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ", nil},
		{"127.0.0.1:2379", []string{"127.0.0.1:2379"}},
		{"etcd-1:2379, etcd-2:2379,,https://etcd-3:2379 ", []string{"etcd-1:2379", "etcd-2:2379", "https://etcd-3:2379"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Endpoints(tt.in), "%q", tt.in)
	}
}

func dropTime(a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// TestLoggerMendsClientLines: a call its caller cancelled is no warning,
// and the client's "target", its first endpoint whichever member a call
// went to, is left out.
func TestLoggerMendsClientLines(t *testing.T) {
	var out strings.Builder
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return dropTime(a) },
	}))
	const (
		target = "etcd-endpoints://0xc000123456/etcd-1:2379"
		peer   = "Peer{Addr: 'etcd-2:2379'}"
	)
	for _, level := range []zapcore.Level{zap.DebugLevel, zap.InfoLevel} {
		zl := Logger(log, level)
		for _, err := range []error{
			status.Error(codes.Canceled, "context canceled"),
			status.Error(codes.DeadlineExceeded, "context deadline exceeded"),
			status.Error(codes.Unavailable, "connection refused"),
		} {
			zl.Warn("retrying of unary invoker failed", zap.String("target", target), zap.String("peer", peer), zap.Error(err))
		}
		zl.Info("another line", zap.String("target", "a target of another kind"))
	}
	assert.Equal(t, `level=DEBUG msg="retrying of unary invoker failed" error="rpc error: code = Canceled desc = context canceled" peer="Peer{Addr: 'etcd-2:2379'}"
level=WARN msg="retrying of unary invoker failed" error="rpc error: code = DeadlineExceeded desc = context deadline exceeded" peer="Peer{Addr: 'etcd-2:2379'}"
level=WARN msg="retrying of unary invoker failed" error="rpc error: code = Unavailable desc = connection refused" peer="Peer{Addr: 'etcd-2:2379'}"
level=INFO msg="another line" target="a target of another kind"
level=WARN msg="retrying of unary invoker failed" error="rpc error: code = DeadlineExceeded desc = context deadline exceeded" peer="Peer{Addr: 'etcd-2:2379'}"
level=WARN msg="retrying of unary invoker failed" error="rpc error: code = Unavailable desc = connection refused" peer="Peer{Addr: 'etcd-2:2379'}"
level=INFO msg="another line" target="a target of another kind"
`, out.String())
}
