package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// ipv6ClientBits is the prefix under which IPv6 addresses count as one
// client: a site is given a /64 at least, and so can take any address in it.
const ipv6ClientBits = 64

// ClientIP returns the key of [HandlerConfig]'s default ClientKey: the IP
// address of the connection's peer, from r.RemoteAddr; for IPv6, its /64
// prefix, which one host can fill with addresses of its own. If
// RemoteAddr holds no IP address (a Unix socket), it returns RemoteAddr.
func ClientIP(r *http.Request) string {
	ip, ok := remoteIP(r)
	if !ok {
		return r.RemoteAddr
	}
	return clientKey(ip)
}

// ProxyClientIP returns a ClientKey for a handler behind reverse proxies
// that add the client's address to a request header, such as
// "X-Forwarded-For" or "X-Real-IP". A request from an address in one of
// trusted (the proxies) is keyed on the header: its addresses (the last
// header line's comma-separated list, read from the right) are skipped
// while they are in trusted too, and the first other one is the client.
// Any other request, and one whose header holds no usable address, is
// keyed as by [ClientIP]: a client reaching the handler directly cannot
// choose its key by sending the header itself.
func ProxyClientIP(header string, trusted ...netip.Prefix) func(r *http.Request) string {
	header = http.CanonicalHeaderKey(header)
	isTrusted := func(ip netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, ok := remoteIP(r)
		if !ok {
			return r.RemoteAddr
		}
		lines := r.Header[header]
		if !isTrusted(peer) || len(lines) == 0 {
			return clientKey(peer)
		}
		hops := strings.Split(lines[len(lines)-1], ",")
		for i := len(hops) - 1; i >= 0; i-- {
			ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			ip = ip.Unmap()
			if !isTrusted(ip) {
				return clientKey(ip)
			}
		}
		return clientKey(peer)
	}
}

// remoteIP returns the IP address in r.RemoteAddr.
func remoteIP(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// clientKey returns the key of the client at ip.
func clientKey(ip netip.Addr) string {
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(ipv6ClientBits)
		return p.String()
	}
	return ip.String()
}
