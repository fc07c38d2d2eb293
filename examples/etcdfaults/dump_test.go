//go:build unix

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A dump as a Go program writes it on SIGQUIT, cut short.
const sampleDump = `SIGQUIT: quit
PC=0x47c2a1 m=0 sigcode=0

goroutine 0 gp=0x13b9e40 m=0 mp=0x13bb020 [idle]:
runtime.futex(0x13bb160, 0x80, 0x0, 0x0, 0x0, 0x0)
	/usr/lib/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x7ffd sp=0x7ffd pc=0x47c2a1

goroutine 1 gp=0xc000002380 m=nil [select, 2 minutes]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/lib/go/src/runtime/proc.go:435 +0xce fp=0xc0 sp=0xc0 pc=0x475a2e
runtime.selectgo(0xc0, 0xc0, 0x0?, 0x0, 0x0?, 0x1)
	/usr/lib/go/src/runtime/select.go:351 +0x837 fp=0xc0 sp=0xc0 pc=0x44c3d7
main.main()
	/src/main.go:10 +0x1f fp=0xc0 sp=0xc0 pc=0x4a1b1f

goroutine 40 gp=0xc000103500 m=nil [select]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/lib/go/src/runtime/proc.go:435 +0xce fp=0xc0 sp=0xc0 pc=0x475a2e
google.golang.org/grpc/internal/transport.(*controlBuffer).get(0xc0, 0x1)
	/mod/grpc/internal/transport/controlbuf.go:418 +0x11e fp=0xc0 sp=0xc0 pc=0x8a3d1e
created by google.golang.org/grpc/internal/transport.newHTTP2Client in goroutine 12
	/mod/grpc/internal/transport/http2_client.go:450 +0x1d4

goroutine 41 gp=0xc000103880 m=nil [select]:
google.golang.org/grpc/internal/transport.(*controlBuffer).get(0xc0, 0x1)
	/mod/grpc/internal/transport/controlbuf.go:418 +0x11e fp=0xc0 sp=0xc0 pc=0x8a3d1e

goroutine 42 gp=0xc000103c00 m=nil [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/usr/lib/go/src/runtime/netpoll.go:351 +0x85
net.(*conn).Read(0xc0, {0xc0, 0x8000, 0x8000})
	/usr/lib/go/src/net/net.go:194 +0x45

goroutine 2 gp=0xc000003880 m=nil [force gc (idle), 2 minutes]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/lib/go/src/runtime/proc.go:435 +0xce fp=0xc0 sp=0xc0 pc=0x475a2e
runtime.goparkunlock(...)
	/usr/lib/go/src/runtime/proc.go:441
runtime.forcegchelper()
	/usr/lib/go/src/runtime/proc.go:348 +0xb8 fp=0xc0 sp=0xc0 pc=0x44a0b8
created by runtime.init.7 in goroutine 1
	/usr/lib/go/src/runtime/proc.go:336 +0x1a

goroutine 43 gp=0xc000103d00 m=nil [select]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/lib/go/src/runtime/proc.go:435 +0xce fp=0xc0 sp=0xc0 pc=0x475a2e
created by example.org/app.start in goroutine 1
	/src/app.go:12 +0x1a

rax    0xca
rip    0x47c2a1
`

func TestDumpSummary(t *testing.T) {
	var d dumpSummary
	for line := range strings.SplitSeq(sampleDump, "\n") {
		d.line(line)
	}
	assert.Equal(t, `7 goroutines, the most frequent:
      2 [select] google.golang.org/grpc/internal/transport.(*controlBuffer).get
      1 [IO wait] net.(*conn).Read
      1 [select] example.org/app.start
      1 [select] main.main
`, d.String())
}
