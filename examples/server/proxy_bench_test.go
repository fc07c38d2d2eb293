package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fixiecreds/fixiecreds/examples/internal/exampletest"
)

// BenchmarkNginx measures requests with good credentials through nginx,
// configured as middleware/README.md says, to an app that answers 200:
// "forward-auth" with nginx asking the server's /forward-auth, "bare"
// with the same nginx set-up asking a bare handler that answers 200 with
// an empty body and checks nothing, in a process of its own as the
// server is (this test binary, run again: see bareAuth). Not the server's
// /healthz: nginx does not read the body of an auth answer, so an answer
// with one costs it the connection, and a new one for every request.
// Both run in one go, with the same app, from parallel clients that keep
// their connections open, as nginx keeps its own to both upstreams; the
// ratio of their ns/op is what the check costs a request through the
// proxy.
//
//	go test -run '^$' -bench Nginx -benchtime 3s -count 3 ./examples/server
func BenchmarkNginx(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "creds")
	_, base := exampletest.StartServer(b, exampletest.Bin(b, "server"), nil, "-addr", "127.0.0.1:0", "-dir", dir)
	token := exampletest.NewClient(b, base).Register("alice", "alice@example.org")
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	_, bareBase := exampletest.StartServer(b, exe, []string{bareAuthEnv + "=1"})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	}))
	b.Cleanup(app.Close)
	auth, appAddr := strings.TrimPrefix(base, "http://"), app.Listener.Addr().String()

	withAuth := exampletest.FreeAddr(b)
	exampletest.StartNginx(b, exampletest.ProxyConfig(b, "nginx", withAuth, auth, appAddr), withAuth)
	bare := exampletest.FreeAddr(b)
	exampletest.StartNginx(b, exampletest.ProxyConfig(b, "nginx", bare, strings.TrimPrefix(bareBase, "http://"), appAddr), bare)

	for _, bm := range []struct{ name, addr string }{{"bare", bare}, {"forward-auth", withAuth}} {
		b.Run(bm.name, func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			b.Cleanup(tr.CloseIdleConnections)
			hc := &http.Client{Transport: tr, Timeout: exampletest.Timeout}
			url := "http://" + bm.addr + "/page"
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := http.NewRequest(http.MethodGet, url, nil)
					if err != nil {
						b.Error(err)
						return
					}
					req.Header["X-Fixie-User"] = []string{"alice"}
					req.Header["X-Fixie-Token"] = []string{token}
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}

// bareAuthEnv, set to "1", makes the test binary the bare auth endpoint
// of BenchmarkNginx.
const bareAuthEnv = "FIXIECREDS_BENCH_BARE_AUTH"

// serveBareAuth answers every request on a free loopback port with 200
// and an empty body, after logging the port as the example servers do.
func serveBareAuth() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("msg=listening addr=%s\n", ln.Addr())
	panic(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
}
