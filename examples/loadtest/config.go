package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"
)

// Config is what one run does. The zero value is not usable: see
// defaultConfig.
type Config struct {
	URL      string        // base URL of a running server; "" when Start is set
	Dir      string        // that server's credentials directory; "" for no disk edits
	Start    string        // package or binary of a server to build and start; "" to use URL
	Clients  int           // concurrent clients in each phase
	Users    int           // users the clients act as
	Duration time.Duration // length of each phase
	Churn    float64       // changes per second during the protected phase
	Settle   time.Duration // from a change's completion to when answers are judged again
	MinRatio float64       // protected/unprotected throughput required; 0 for none
}

// defaultConfig returns the flags' defaults.
func defaultConfig() Config {
	return Config{
		Clients:  32,
		Users:    200,
		Duration: 10 * time.Second,
		Churn:    20,
		Settle:   250 * time.Millisecond,
	}
}

// check reports what makes cfg unusable.
func (cfg Config) check() error {
	switch {
	case (cfg.URL == "") == (cfg.Start == ""):
		return errors.New("give either -url or -start")
	case cfg.Start != "" && cfg.Dir != "":
		return errors.New("-dir goes with -url: -start makes its own directory")
	case cfg.Clients < 1 || cfg.Users < 1:
		return errors.New("-clients and -users must be at least 1")
	case cfg.Duration <= 0:
		return errors.New("-duration must be positive")
	case cfg.Churn < 0 || cfg.Settle < 0 || cfg.MinRatio < 0:
		return errors.New("-churn, -settle and -min-ratio must not be negative")
	}
	if cfg.URL != "" {
		if err := checkLoopback(cfg.URL); err != nil {
			return err
		}
	}
	if cfg.Dir != "" {
		if fi, err := os.Stat(cfg.Dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("-dir %s is not a directory", cfg.Dir)
		}
	}
	return nil
}

// checkLoopback accepts only an http URL of the loopback interface: a load
// test is not to be pointed at someone else's machine.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if u.Scheme != "http" || u.Port() == "" || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("-url %q: want http://127.0.0.1:PORT (loopback only)", base)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("-url %q: give the server's base URL, without a path", base)
	}
	return nil
}
