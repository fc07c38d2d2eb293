package exampletest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// NeedCommand returns the path of the program name, such as "nginx". If
// it is not installed the test is skipped, or, when the environment
// variable CI is set, fails: CI must not pass without running it.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (CI is set, so tests that need it fail rather than skip): %v", name, err)
	}
	t.Skipf("%s is not installed: %v", name, err)
	return ""
}

// Addresses in the configurations of middleware/README.md, which
// ProxyConfig replaces.
const (
	readmeAuthAddr = "127.0.0.1:8080" // the fixiecreds server
	readmeAppAddr  = "127.0.0.1:8081" // the app behind the proxy
)

// readmeListen is what each configuration of middleware/README.md listens
// on, as written there.
var readmeListen = map[string]string{
	"nginx":     "listen 80;",
	"caddyfile": "example.com {",
}

// ProxyConfig returns the configuration of the fenced block of lang
// ("nginx" or "caddyfile") in middleware/README.md, as written there but
// for the addresses: the proxy listens on listen, the fixiecreds server
// is at auth and the app at app (each a host:port). It fails the test
// unless the README has exactly one such block and the block each of the
// addresses it replaces exactly once.
func ProxyConfig(t testing.TB, lang, listen, auth, app string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "middleware", "README.md"))
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?ms)^```"+regexp.QuoteMeta(lang)+"\n(.*?)^```$").FindAllStringSubmatch(string(text), -1)
	require.Lenf(t, blocks, 1, "```%s blocks in middleware/README.md", lang)
	conf := blocks[0][1]
	var listenAs string
	switch lang {
	case "nginx":
		listenAs = "listen " + listen + ";"
	case "caddyfile":
		listenAs = "http://" + listen + " {"
	}
	for _, r := range [][2]string{{readmeListen[lang], listenAs}, {readmeAuthAddr, auth}, {readmeAppAddr, app}} {
		require.Equalf(t, 1, strings.Count(conf, r[0]), "%q in the %s block of middleware/README.md", r[0], lang)
		conf = strings.Replace(conf, r[0], r[1], 1)
	}
	return conf
}

// repoRoot returns the root of the repository: the nearest directory,
// from the test's own up, that holds go.work.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.work above the test's directory")
		dir = parent
	}
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago, for a program that cannot be told to pick one itself.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// StartNginx runs nginx (skipping or failing the test as [NeedCommand]
// says when it is not installed) with conf as the content of its http
// block, in one process of its own that logs to p's output, and waits
// until it accepts connections on listen. It is killed when the test
// ends.
func StartNginx(t testing.TB, conf, listen string) *Proc {
	t.Helper()
	bin := NeedCommand(t, "nginx")
	dir := t.TempDir()
	// One process, which a kill ends, and which stays the user that
	// started it (no worker set to another user that cannot write dir).
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
access_log off;
client_body_temp_path %[1]s/client_body;
proxy_temp_path %[1]s/proxy;
fastcgi_temp_path %[1]s/fastcgi;
uwsgi_temp_path %[1]s/uwsgi;
scgi_temp_path %[1]s/scgi;
%[2]s}
`, dir, conf)
	file := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(file, []byte(main), 0o600))
	p := Start(t, bin, nil, "-p", dir, "-e", "stderr", "-c", file)
	p.WaitListening(t, listen)
	return p
}

// StartCaddy runs Caddy (skipping or failing the test as [NeedCommand]
// says when it is not installed) on the Caddyfile site block site, with
// neither an admin endpoint nor automatic HTTPS and listening on loopback
// only, and waits until it accepts connections on listen. It is killed
// when the test ends.
func StartCaddy(t testing.TB, site, listen string) *Proc {
	t.Helper()
	bin := NeedCommand(t, "caddy")
	dir := t.TempDir()
	file := filepath.Join(dir, "Caddyfile")
	conf := "{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\n\n" + site
	require.NoError(t, os.WriteFile(file, []byte(conf), 0o600))
	// Caddy keeps its state under the home and XDG directories.
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir}
	p := Start(t, bin, env, "run", "--config", file, "--adapter", "caddyfile")
	p.WaitListening(t, listen)
	return p
}

// WaitListening waits up to Timeout for addr to accept a TCP connection.
// It fails the test if the process exits first or the time runs out.
func (p *Proc) WaitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			require.NoError(t, conn.Close())
			return
		}
		select {
		case <-p.done:
			require.FailNowf(t, "process exited", "before listening on %s; output:\n%s", addr, p.Output())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			require.FailNowf(t, "not listening", "on %s after %s: %v; output so far:\n%s", addr, Timeout, err, p.Output())
		}
	}
}
