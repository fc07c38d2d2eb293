//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// A child is a process the run started. Its output goes to a file.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string        // the file holding its output
	done chan struct{} // closed once it has exited and been waited for

	mu    sync.Mutex
	match chan string // the first submatch of watch, once seen
	watch *regexp.Regexp
	line  []byte // the part of a line not yet ended
	file  *os.File
}

// children are the processes of a run, killed when it ends, whichever way
// it ends. Its methods are safe for concurrent use.
type children struct {
	mu   sync.Mutex
	all  map[*child]bool
	dead bool // killAll was called: start no more
}

// start starts bin with args, its output appended to logFile. If watch is
// not nil, the child's found channel receives the first submatch of the
// first line of output that matches it.
func (cs *children) start(name, bin string, args []string, logFile string, watch *regexp.Regexp) (*child, error) {
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	c := &child{name: name, log: logFile, done: make(chan struct{}), match: make(chan string, 1), watch: watch, file: f}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Stdout, c.cmd.Stderr = c, c
	c.cmd.SysProcAttr = dieWithParent()

	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.dead {
		f.Close()
		return nil, errors.New("stopping")
	}
	if err := c.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	if cs.all == nil {
		cs.all = map[*child]bool{}
	}
	cs.all[c] = true
	go func() {
		_ = c.cmd.Wait() // the exit status is read from ProcessState
		f.Close()
		close(c.done)
		cs.mu.Lock()
		delete(cs.all, c)
		cs.mu.Unlock()
	}()
	return c, nil
}

// Write writes p to the child's log and looks for its watched line.
func (c *child) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watch != nil {
		c.line = append(c.line, p...)
		for {
			i := bytes.IndexByte(c.line, '\n')
			if i < 0 {
				break
			}
			if m := c.watch.FindSubmatch(c.line[:i]); m != nil {
				c.match <- string(m[len(m)-1])
				c.watch = nil
				c.line = nil
				break
			}
			c.line = c.line[i+1:]
		}
	}
	return c.file.Write(p)
}

// found waits up to timeout for the watched line and returns its
// submatch.
func (c *child) found(timeout time.Duration) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m := <-c.match:
		return m, nil
	case <-c.done:
		return "", fmt.Errorf("%s exited: %s", c.name, c.cmd.ProcessState)
	case <-timer.C:
		return "", fmt.Errorf("%s: no line as expected within %s", c.name, timeout)
	}
}

// signal sends sig to the child.
func (c *child) signal(sig syscall.Signal) error { return c.cmd.Process.Signal(sig) }

// stop sends sig and waits up to timeout for the child to exit, then
// kills it. It reports whether the child exited of itself.
func (c *child) stop(sig syscall.Signal, timeout time.Duration) bool {
	_ = c.cmd.Process.Signal(sig) // fails harmlessly if it has exited
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-c.done:
		return true
	case <-timer.C:
		c.kill()
		return false
	}
}

// kill kills the child, stopped or not, and waits until it is gone.
func (c *child) kill() {
	_ = c.cmd.Process.Kill() // fails harmlessly if it has exited
	<-c.done
}

// killAll kills every child still running and starts no more.
func (cs *children) killAll() {
	cs.mu.Lock()
	cs.dead = true
	all := make([]*child, 0, len(cs.all))
	for c := range cs.all {
		all = append(all, c)
	}
	cs.mu.Unlock()
	for _, c := range all {
		c.kill()
	}
}

// lines calls fn on each line of the child's log.
func (c *child) lines(fn func(line string)) error {
	f, err := os.Open(c.log)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fn(sc.Text())
	}
	return sc.Err()
}
