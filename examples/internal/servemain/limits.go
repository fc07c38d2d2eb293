package servemain

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
)

// limitOptions are the flags of the service's limits (httpapi.HandlerConfig)
// and of how clients are told apart, for those limits and the log.
type limitOptions struct {
	register, reset, resetUser limitFlag
	maxUsers                   int
	proxyHeader                string
	trustedProxies             prefixesFlag
}

// defaultMaxUsers caps the users of the example servers' store: on a
// directory, some 440 MB of records at 4.4 KiB each on a common file
// system.
const defaultMaxUsers = 100_000

// flags defines the limit flags on fs, with the service's defaults.
func (o *limitOptions) flags(fs *flag.FlagSet) {
	def := httpapi.DefaultHandlerConfig()
	o.register = limitFlag(def.RegisterLimit)
	o.reset = limitFlag(def.ResetLimit)
	o.resetUser = limitFlag(def.ResetUserLimit)
	fs.Var(&o.register, "register-limit", "allow each client `N/PERIOD` registrations (N at once, then one every PERIOD/N), or off")
	fs.Var(&o.reset, "reset-limit", "allow each client `N/PERIOD` resets, or off")
	fs.Var(&o.resetUser, "reset-user-limit", "allow `N/PERIOD` resets of one user, whoever asks (email guesses), or off")
	fs.IntVar(&o.maxUsers, "max-users", defaultMaxUsers, "refuse registrations once the store holds `n` users; 0: no cap")
	fs.StringVar(&o.proxyHeader, "proxy-header", "", "behind reverse proxies, tell clients apart by the address they put in this `header`\n(such as X-Forwarded-For); needs -trusted-proxies")
	fs.Var(&o.trustedProxies, "trusted-proxies", "the reverse proxies' addresses, as comma-separated `CIDRs`; only their -proxy-header is believed")
}

// check reports what makes o unusable.
func (o limitOptions) check() error {
	switch {
	case o.maxUsers < 0:
		return fmt.Errorf("-max-users %d: want 0 (no cap) or more", o.maxUsers)
	case (o.proxyHeader == "") != (len(o.trustedProxies) == 0):
		return errors.New("-proxy-header and -trusted-proxies go together")
	}
	return nil
}

// clientKey returns how clients are told apart.
func (o limitOptions) clientKey() func(*http.Request) string {
	if o.proxyHeader == "" {
		return httpapi.ClientIP
	}
	return httpapi.ProxyClientIP(o.proxyHeader, o.trustedProxies...)
}

// service returns the fixie-creds service on creds with o's limits,
// reporting to hooks.
func (o limitOptions) service(creds *cache.Cache, log *slog.Logger, hooks serviceHooks) (http.Handler, error) {
	return httpapi.HandlerConfig{
		OnOutcome:      hooks.outcome,
		ClientKey:      o.clientKey(),
		RegisterLimit:  httpapi.Limit(o.register),
		ResetLimit:     httpapi.Limit(o.reset),
		ResetUserLimit: httpapi.Limit(o.resetUser),
		MaxUsers:       o.maxUsers,
		Logger:         log,
		OnAudit:        hooks.audit,
	}.ToHandler(creds)
}

// logValue describes o for the log.
func (o limitOptions) logValue() slog.Value {
	maxUsers := "off"
	if o.maxUsers > 0 {
		maxUsers = strconv.Itoa(o.maxUsers)
	}
	return slog.GroupValue(
		slog.String("register", o.register.String()),
		slog.String("reset", o.reset.String()),
		slog.String("reset_user", o.resetUser.String()),
		slog.String("max_users", maxUsers),
	)
}

// limitFlag is an httpapi.Limit as a flag: "N/PERIOD", such as 10/10m,
// or "off".
type limitFlag httpapi.Limit

func (f *limitFlag) String() string {
	if f == nil || f.Requests == 0 {
		return ""
	}
	if f.Requests < 0 {
		return "off"
	}
	return strconv.Itoa(f.Requests) + "/" + shortDuration(f.Per)
}

func (f *limitFlag) Set(s string) error {
	if s == "off" {
		*f = limitFlag(httpapi.NoLimit)
		return nil
	}
	n, per, ok := strings.Cut(s, "/")
	requests, err := strconv.Atoi(n)
	if !ok || err != nil || requests < 1 {
		return errors.New(`want N/PERIOD, such as 10/10m, or "off"`)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return errors.New(`want N/PERIOD with a positive PERIOD such as 10m, 1h, or "off"`)
	}
	*f = limitFlag{Requests: requests, Per: d}
	return nil
}

// shortDuration writes d without the zero units time.Duration.String
// adds: 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// prefixesFlag is a comma-separated list of CIDR prefixes.
type prefixesFlag []netip.Prefix

func (f *prefixesFlag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, p := range *f {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (f *prefixesFlag) Set(s string) error {
	*f = nil
	for part := range strings.SplitSeq(s, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil {
			// A single address stands for itself.
			a, aerr := netip.ParseAddr(strings.TrimSpace(part))
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		*f = append(*f, p.Masked())
	}
	return nil
}
