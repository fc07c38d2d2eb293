package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestServerLog(t *testing.T) {
	t.Parallel()
	known, unknown := newToken(), newToken()
	tokens := newLedger()
	tokens.add(known)
	l := &serverLog{tokens: tokens, addr: make(chan string, 1)}
	l.read(strings.NewReader(strings.Join([]string{
		`time=… level=INFO msg=starting`,
		`time=… level=INFO msg=listening addr=127.0.0.1:4321 dir=/tmp/x watching=true`,
		`time=… level=INFO msg=auth path=/hello result=accepted user=alice`,
		`time=… level=WARN msg="something odd"`,
		`time=… level=INFO msg=auth token=` + known,
		`time=… level=INFO msg=auth hash=` + known + `00`, // not a token: too long
		`time=… level=ERROR msg=x other=` + unknown,
		`time=… level=INFO msg=auth user=alice token=` + strings.ToUpper(known[:20]) + known[20:] + ` end`,
	}, "\n")))

	assert.Equal(t, "127.0.0.1:4321", <-l.addr)
	start, problems, leaked := l.counts()
	assert.Len(t, start, 2)
	assert.Equal(t, 2, problems)
	assert.Equal(t, 2, leaked, "the known token, in either case")
}
