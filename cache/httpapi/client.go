package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// Defaults that a zero [ClientConfig] field takes.
const (
	DefaultClientTimeout    = 2 * time.Second
	DefaultClientTTL        = time.Second
	DefaultClientMaxEntries = 10_000
)

// maxAnswer bounds how much of the service's answer is read.
const maxAnswer = 64 << 10

// ClientConfig configures [NewClient]. Every field is optional.
type ClientConfig struct {
	// HTTPClient sends the requests. The Client uses a shallow copy that
	// never follows redirects, so that a token is only ever sent to the
	// configured service.
	// Optional. Default: a client on http.DefaultTransport.
	HTTPClient *http.Client

	// Timeout bounds each request to the service, on top of any deadline of
	// the context given to VerifyContext.
	// Optional. Default 2 s.
	Timeout time.Duration

	// TTL is how long an accepted user and token are trusted before the
	// service is asked again: a reset or deregistration on the service takes
	// at most this long to reach this server, and a token accepted just
	// before it expired (see cache.ExpiresAfter and cache.KeepPrevious) may
	// be accepted here for at most this long past its expiry. Refusals are
	// never remembered. A negative TTL turns remembering off.
	// Optional. Default 1 s, as the cache's poll interval.
	TTL time.Duration

	// MaxEntries caps the accepted pairs remembered; past it, expired ones are
	// dropped, then random ones.
	// Optional. Default 10,000.
	MaxEntries int
}

// Client verifies users against a fixie-creds service ([Handler], or the
// Python service) at POST {url}/verify, so that many servers can share one
// credentials service. It is a middleware.Verifier: hand it to
// middleware.Auth or echomw.Auth in place of a [*cache.Cache]. It remembers accepted pairs for a short TTL,
// keyed by the user and a keyed hash of the token's value, never the token
// itself.
//
// It fails closed: a transport error, a timeout, an answer other than 200 (or
// the service's 400 for an unusable name) or an answer it cannot parse is an
// error, which the middleware turns into a 500, never an accept. Errors never
// hold the token. A Client is safe for concurrent use and holds no
// goroutine, so it needs no closing. Make one with [NewClient]; the zero
// Client is not usable.
type Client struct {
	endpoint string
	http     *http.Client
	timeout  time.Duration
	ttl      time.Duration
	accepted *acceptedPairs // nil when remembering is off
	now      func() time.Time
}

// NewClient returns a Client for the service at serviceURL, an http or
// https URL without credentials, query or fragment, under which the
// service's /verify is found. It reports an error for any other URL and for
// a negative Timeout or MaxEntries.
func NewClient(serviceURL string, cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(serviceURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("httpapi: service URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("httpapi: service URL %q: want http(s)://host[/path] without credentials, query or fragment", u.Redacted())
	}
	if cfg.Timeout < 0 || cfg.MaxEntries < 0 {
		return nil, errors.New("httpapi: client timeout and max entries must not be negative")
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		endpoint: strings.TrimSuffix(u.String(), "/") + "/verify",
		http:     hc,
		timeout:  orDefault(cfg.Timeout, DefaultClientTimeout),
		ttl:      orDefault(cfg.TTL, DefaultClientTTL),
		now:      time.Now,
	}
	if c.ttl > 0 {
		c.accepted = newAcceptedPairs(orDefault(cfg.MaxEntries, DefaultClientMaxEntries))
	}
	return c, nil
}

// orDefault returns v, or def if v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Verify is [Client.VerifyContext] with a background context.
func (c *Client) Verify(user, token string) (bool, error) {
	return c.VerifyContext(context.Background(), user, token)
}

// VerifyContext asks the service whether token is user's, unless it accepted
// the pair less than the TTL ago (so a token is accepted up to the TTL past
// its expiry). Results are as for middleware.Verifier: (true, nil); (false,
// nil) for a wrong token, and without asking for one that is not hex;
// (false, [cache.ErrTokenExpired]) when the service says the token expired;
// (false, [cache.ErrNotRegistered]) when the service answers status false;
// (false, [cache.ErrInvalidUser]) for an empty name or when the service
// answers 400 for the input; (false, err) for anything else.
func (c *Client) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	if user == "" {
		return false, cache.ErrInvalidUser
	}
	if !isHex(token) {
		return false, nil
	}
	var key pairKey
	if c.accepted != nil {
		key = c.accepted.key(user, token)
		if c.accepted.has(key, c.now()) {
			return true, nil
		}
	}
	ok, err := c.ask(ctx, user, token)
	if ok && err == nil && c.accepted != nil {
		now := c.now()
		c.accepted.add(key, now, now.Add(c.ttl))
	}
	return ok, err
}

// CheckToken returns [cache.ErrMalformedToken] for a token that is not
// hex, which [Client.VerifyContext] refuses without asking the service, and
// nil for any other: the client does not know the service's token size.
// It is the part of middleware.Verifier that tells a malformed token from a
// wrong one in the middleware's outcomes.
func (c *Client) CheckToken(token string) error {
	if !isHex(token) {
		return cache.ErrMalformedToken
	}
	return nil
}

// verifyAnswer is the service's answer to /verify; nil for a key that is
// absent.
type verifyAnswer struct {
	Message  *string
	Status   *bool
	Verified *bool
}

// parseVerifyAnswer reads the service's answer strictly: its keys matched
// exactly and each present once, "message" a string, "status" and
// "verified" booleans, so that no spelling, repetition or type of
// "verified" can be read as an acceptance. Other keys are ignored.
func parseVerifyAnswer(body []byte) (verifyAnswer, bool) {
	var ans verifyAnswer
	obj, err := pyjson.DecodeObject(body)
	if err != nil {
		return ans, false
	}
	if raw, ok := obj["message"]; ok {
		msg, err := pyjson.String(raw)
		if err != nil {
			return ans, false
		}
		ans.Message = &msg
	}
	for key, dst := range map[string]**bool{"status": &ans.Status, "verified": &ans.Verified} {
		if raw, ok := obj[key]; ok {
			b, err := pyjson.Bool(raw)
			if err != nil {
				return ans, false
			}
			*dst = &b
		}
	}
	return ans, true
}

// verifyRequest returns the body of a request to /verify:
// {"token":token,"user":user}, as the Python client writes it.
func verifyRequest(user, token string) []byte {
	b := append(make([]byte, 0, 24+len(token)+len(user)), `{"token":`...)
	b = pyjson.AppendString(b, token)
	b = append(b, `,"user":`...)
	b = pyjson.AppendString(b, user)
	return append(b, '}')
}

// ask makes one request to the service.
func (c *Client) ask(ctx context.Context, user, token string) (bool, error) {
	payload := verifyRequest(user, token)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return false, fmt.Errorf("httpapi: verify: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("httpapi: verify: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return false, fmt.Errorf("httpapi: verify: reading the answer: %w", err)
	}
	ans, parsed := parseVerifyAnswer(body)
	switch {
	case resp.StatusCode == http.StatusBadRequest && parsed && ans.Message != nil &&
		strings.HasPrefix(*ans.Message, "Input to Verify is not valid"):
		// The token is hex and both fields are non-empty strings, so the
		// service refused the name.
		return false, cache.ErrInvalidUser
	case resp.StatusCode != http.StatusOK:
		return false, fmt.Errorf("httpapi: verify: %s answered %s", c.endpoint, resp.Status)
	case !parsed || ans.Status == nil || ans.Verified == nil:
		return false, fmt.Errorf("httpapi: verify: %s gave an answer that is not a verify answer", c.endpoint)
	case *ans.Status && *ans.Verified:
		return true, nil
	case *ans.Status && ans.Message != nil && *ans.Message == expiredMessage+user:
		return false, cache.ErrTokenExpired
	case *ans.Status:
		return false, nil
	case !*ans.Verified:
		return false, cache.ErrNotRegistered
	}
	return false, fmt.Errorf("httpapi: verify: %s answered verified without status", c.endpoint)
}
