package etcdconn

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Logger returns a zap logger, as etcd's client and server take, that
// writes the entries at level or above to log: at most sampleFirst
// entries of one message per samplePeriod. etcd's client logs a warning
// for every call that fails, so while etcd is out of reach each request
// that needs a record would otherwise add a line, at the rate clients
// choose.
//
// Two things the client logs are mended. A call that failed because its
// caller gave up (an HTTP client went away, a read answered by another
// member first) is logged at DEBUG, not WARN: nothing failed. And the
// "target" field, which names the client's first endpoint whichever
// member a call went to, is left out; "peer" names that member.
func Logger(log *slog.Logger, level zapcore.Level) *zap.Logger {
	core := &slogCore{h: log.Handler(), min: level}
	return zap.New(zapcore.NewSamplerWithOptions(core, samplePeriod, sampleFirst, 0))
}

// The bound on the entries of one message that Logger writes.
const (
	samplePeriod = 10 * time.Second
	sampleFirst  = 10
)

// slogCore is a zapcore.Core that hands entries to a slog.Handler.
type slogCore struct {
	h   slog.Handler
	min zapcore.Level
}

var _ zapcore.Core = (*slogCore)(nil)

func (c *slogCore) Enabled(l zapcore.Level) bool {
	return l >= c.min && c.h.Enabled(context.Background(), slogLevel(l))
}

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{h: c.h.WithAttrs(attrs(fields)), min: c.min}
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	level := slogLevel(e.Level)
	if e.Message == retryFailed && canceled(fields) {
		level = slog.LevelDebug
		if c.min > zapcore.DebugLevel || !c.h.Enabled(context.Background(), level) {
			return nil
		}
	}
	r := slog.NewRecord(e.Time, level, e.Message, 0)
	r.AddAttrs(attrs(fields)...)
	return c.h.Handle(context.Background(), r)
}

// retryFailed is what etcd's client logs, at WARN, when an attempt of a
// call fails.
const retryFailed = "retrying of unary invoker failed"

// canceled reports whether the error among fields says the call's caller
// cancelled it.
func canceled(fields []zapcore.Field) bool {
	for _, f := range fields {
		if err, ok := f.Interface.(error); ok && f.Type == zapcore.ErrorType {
			return errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
		}
	}
	return false
}

// misleads reports whether f is etcd's client's "target", which names
// the first endpoint, not the member a call went to.
func misleads(f zapcore.Field) bool {
	return f.Key == "target" && f.Type == zapcore.StringType && strings.HasPrefix(f.String, "etcd-endpoints://")
}

func (c *slogCore) Sync() error { return nil }

// attrs turns zap fields into slog attributes, sorted by key, leaving
// out those that mislead.
func attrs(fields []zapcore.Field) []slog.Attr {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		if !misleads(f) {
			f.AddTo(enc)
		}
	}
	out := make([]slog.Attr, 0, len(enc.Fields))
	for _, k := range slices.Sorted(maps.Keys(enc.Fields)) {
		out = append(out, slog.Any(k, enc.Fields[k]))
	}
	return out
}

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}
