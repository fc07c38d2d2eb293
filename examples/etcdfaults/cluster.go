//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Bounds on what the cluster's members do.
const (
	memberStopTimeout = 10 * time.Second // for a member to exit on SIGTERM
	askTimeout        = 500 * time.Millisecond
	serveTimeout      = 20 * time.Second // for a member, or the cluster, to answer
)

// A member is one etcd process of the cluster, which can be stopped and
// started again on the same data and ports.
type member struct {
	name   string
	client string // host:port where clients reach it
	args   []string
	log    string
	proc   *child // nil while stopped
}

// A cluster is the etcd members of a run.
type cluster struct {
	bin     string
	kids    *children
	members []*member
}

// newCluster returns a cluster of n members on free loopback ports, with
// their data in dir; none is started.
func newCluster(bin, dir string, kids *children, n int) (*cluster, error) {
	c := &cluster{bin: bin, kids: kids}
	var initial []string
	peers := make([]string, n)
	for i := range n {
		client, err := freeAddr()
		if err != nil {
			return nil, err
		}
		if peers[i], err = freeAddr(); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("m%d", i+1)
		initial = append(initial, name+"=http://"+peers[i])
		c.members = append(c.members, &member{name: name, client: client, log: filepath.Join(dir, name+".log")})
	}
	for i, m := range c.members {
		m.args = []string{
			"--name", m.name,
			"--data-dir", filepath.Join(dir, m.name+".etcd"),
			"--listen-client-urls", "http://" + m.client,
			"--advertise-client-urls", "http://" + m.client,
			"--listen-peer-urls", "http://" + peers[i],
			"--initial-advertise-peer-urls", "http://" + peers[i],
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", "etcdfaults",
			"--log-level", "warn",
			"--log-outputs", "stderr",
			// A process that is killed loses nothing the kernel holds;
			// only a crash of the machine would, which this run does
			// not cause. The disk is shared with whatever else runs.
			"--unsafe-no-fsync",
		}
	}
	return c, nil
}

// endpoints returns the members' client addresses, comma-separated.
func (c *cluster) endpoints() string {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.client)
	}
	return strings.Join(eps, ",")
}

// start starts m, which is stopped, without waiting for it to serve.
func (c *cluster) start(m *member) error {
	p, err := c.kids.start(m.name, c.bin, m.args, m.log, nil)
	if err != nil {
		return err
	}
	m.proc = p
	return nil
}

// kill kills m (SIGKILL) and waits until it is gone.
func (c *cluster) kill(m *member) {
	m.proc.kill()
	m.proc = nil
}

// stop stops m with SIGTERM, as an operator would, and waits until it
// is gone.
func (c *cluster) stop(m *member) {
	m.proc.stop(syscall.SIGTERM, memberStopTimeout)
	m.proc = nil
}

// other returns a running member other than m.
func (c *cluster) other(m *member) *member {
	for _, o := range c.members {
		if o != m && o.proc != nil {
			return o
		}
	}
	return nil
}

// ask calls fn with a client of its own on m only, bounded by
// askTimeout: a client that has seen the member fail waits before it
// dials again, which a fresh one does not.
func ask(ctx context.Context, endpoint string, fn func(context.Context, *clientv3.Client) error) error {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: askTimeout,
		Logger:      zap.NewNop(),
		Context:     ctx,
	})
	if err != nil {
		return err
	}
	defer cli.Close()
	return fn(ctx, cli)
}

// leader returns the member that the others follow.
func (c *cluster) leader(ctx context.Context) (*member, error) {
	ids := map[uint64]*member{}
	votes := map[uint64]int{}
	for _, m := range c.members {
		if m.proc == nil {
			continue
		}
		_ = ask(ctx, m.client, func(ctx context.Context, cli *clientv3.Client) error {
			st, err := cli.Status(ctx, m.client)
			if err == nil {
				ids[st.Header.MemberId] = m
				if st.Leader != 0 {
					votes[st.Leader]++
				}
			}
			return err
		})
	}
	for id, n := range votes {
		if l, ok := ids[id]; ok && 2*n > len(c.members) {
			return l, nil
		}
	}
	return nil, errors.New("no leader that a majority follows")
}

// waitLeader polls until a majority follows a leader, and returns it.
func (c *cluster) waitLeader(ctx context.Context) (*member, error) {
	var l *member
	err := poll(ctx, serveTimeout, func() bool {
		var err error
		l, err = c.leader(ctx)
		return err == nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: no leader: %w", err)
	}
	return l, nil
}

// answering asks every running member at once for a linearizable read,
// and returns when the first succeeded; false if none did: the cluster
// has no quorum or no leader.
func (c *cluster) answering(ctx context.Context) (time.Time, bool) {
	answered := make(chan time.Time, len(c.members))
	asked := 0
	for _, m := range c.members {
		if m.proc == nil {
			continue
		}
		asked++
		go func() {
			err := ask(ctx, m.client, func(ctx context.Context, cli *clientv3.Client) error {
				_, err := cli.Get(ctx, "etcdfaults-probe")
				return err
			})
			if err != nil {
				answered <- time.Time{}
				return
			}
			answered <- time.Now()
		}()
	}
	var first time.Time
	for range asked {
		if at := <-answered; !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first, !first.IsZero()
}

// waitAnswering polls until the cluster answers, and returns when it
// first did.
func (c *cluster) waitAnswering(ctx context.Context) (time.Time, error) {
	var at time.Time
	err := poll(ctx, serveTimeout, func() bool {
		var ok bool
		at, ok = c.answering(ctx)
		return ok
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("etcd does not answer: %w", err)
	}
	return at, nil
}

// waitMember polls until m answers a status request.
func (c *cluster) waitMember(ctx context.Context, m *member) error {
	return poll(ctx, serveTimeout, func() bool {
		return ask(ctx, m.client, func(ctx context.Context, cli *clientv3.Client) error {
			_, err := cli.Status(ctx, m.client)
			return err
		}) == nil
	})
}

// client returns a client on every member, for the run's own writes.
func (c *cluster) client() (*clientv3.Client, error) {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.client)
	}
	return clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
}

// poll calls cond every 20 ms until it returns true, for at most
// timeout; it returns an error if it never did.
func poll(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
