package main

import (
	"net"
	"net/http"
	"time"
)

// requestTimeout bounds every request, so that a stuck server cannot
// stall a run.
const requestTimeout = 10 * time.Second

// newClient returns an HTTP client for conns concurrent requests to one
// host: every connection stays open for reuse, so that the measure is the
// server's, not the cost of dialing. Call CloseIdleConnections on its
// transport when done.
func newClient(conns int) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		Proxy:                 nil, // loopback only: never through a proxy
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: requestTimeout,
		DisableCompression:    true,
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}, tr
}
