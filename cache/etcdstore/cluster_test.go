package etcdstore_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// memberEnv, set, makes the test binary run an etcd member as told
// (a JSON memberConfig) instead of the tests, until SIGTERM.
const memberEnv = "ETCDSTORE_TEST_MEMBER"

// memberConfig is what a member process is told.
type memberConfig struct {
	Name, Dir, Client, Peer string
	Cluster                 string // name=peer URL,...
}

// runMember runs the member of cfg, prints "ready" once it serves, and
// stops it at SIGTERM. It returns the exit code.
func runMember(config string) int {
	var c memberConfig
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	client, err := url.Parse(c.Client)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	peer, err := url.Parse(c.Peer)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	cfg := embed.NewConfig()
	cfg.Name = c.Name
	cfg.Dir = c.Dir
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = c.Cluster
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.LogLevel = "error"
	// etcd's default ticks (100 ms, election after 1 s), as deployed.
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Println("ready")
	case err := <-e.Err():
		fmt.Fprintln(os.Stderr, err)
		return 1
	case <-stop:
		return 0
	}
	select {
	case <-stop:
		return 0
	case err := <-e.Err():
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
}

// member is a member process of a test's cluster.
type member struct {
	name     string
	endpoint string // host:port
	cmd      *exec.Cmd
}

// newCluster starts a cluster of n members, each a process of its own
// (this test binary, told by memberEnv), and waits until all serve. They
// are killed at the end of the test, after the clients the test makes
// later are closed.
func newCluster(t *testing.T, n int) []*member {
	t.Helper()
	members := make([]*member, n)
	var peers []string
	cfgs := make([]memberConfig, n)
	for i := range members {
		cfgs[i] = memberConfig{
			Name:   fmt.Sprintf("m%d", i),
			Dir:    t.TempDir(),
			Client: fmt.Sprintf("http://127.0.0.1:%d", freePort()),
			Peer:   fmt.Sprintf("http://127.0.0.1:%d", freePort()),
		}
		peers = append(peers, cfgs[i].Name+"="+cfgs[i].Peer)
	}
	ready := make(chan error, n)
	for i := range members {
		cfgs[i].Cluster = strings.Join(peers, ",")
		config, err := json.Marshal(cfgs[i])
		require.NoError(t, err)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), memberEnv+"="+string(config))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		m := &member{name: cfgs[i].Name, endpoint: strings.TrimPrefix(cfgs[i].Client, "http://"), cmd: cmd}
		members[i] = m
		t.Cleanup(func() {
			m.cmd.Process.Kill() // stopped or not
			m.cmd.Wait()
		})
		go func() {
			line, err := bufio.NewReader(out).ReadString('\n')
			if err == nil && line != "ready\n" {
				err = fmt.Errorf("member %s said %q", m.name, line)
			}
			ready <- err
		}()
	}
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	for range members {
		select {
		case err := <-ready:
			require.NoError(t, err, "starting a member")
		case <-timer.C:
			t.Fatal("the cluster did not start")
		}
	}
	return members
}

// endpoints returns the members' endpoints.
func endpoints(members []*member) []string {
	var eps []string
	for _, m := range members {
		eps = append(eps, m.endpoint)
	}
	return eps
}
