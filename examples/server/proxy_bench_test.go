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
	"sync/atomic"
	"testing"
	"time"

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
// their connections open, as nginx keeps its own to both upstreams, and
// take turns request by request. forward-auth/bare is the ratio of their
// throughputs (of the time a bare request takes to the time a checked
// one does): what the check leaves of a request's speed through the
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

	// The two set-ups take turns, request by request, so that whatever
	// else the machine does weighs on both alike.
	targets := [2]string{"http://" + bare + "/page", "http://" + withAuth + "/page"}
	var spent [2]atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: exampletest.Timeout}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			which := i % 2
			req, err := http.NewRequest(http.MethodGet, targets[which], nil)
			if err != nil {
				b.Error(err)
				return
			}
			req.Header["X-Fixie-User"] = []string{"alice"}
			req.Header["X-Fixie-Token"] = []string{token}
			start := time.Now()
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			spent[which].Add(int64(time.Since(start)))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	bareNs, authNs := float64(spent[0].Load()), float64(spent[1].Load())
	b.ReportMetric(bareNs/float64(b.N/2+b.N%2), "bare-ns/req")
	b.ReportMetric(authNs/float64(b.N/2), "forward-auth-ns/req")
	b.ReportMetric(bareNs/authNs, "forward-auth/bare")
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
