// Command peer is the hand-rolled baseline that the example servers'
// protected route is measured against: a net/http server that checks the
// X-Fixie-User and X-Fixie-Token headers against a plain map of SHA-256
// hashes, loaded once from a credentials directory, doing on a valid
// request the same work as middleware.Auth on a cached user and nothing
// more: decode the token, hash it, compare in constant time, remove the
// token header, hand the user on in the request context, and greet.
//
// With -echo it serves the same on Echo, its check a middleware that hands
// the user on with c.Set, as hand-written Echo code does.
//
// Everything around the check is the example servers' own, so that only
// the checks differ: the same http.Server timeouts and bound on
// connections (servemain.Serve), and the same ServeMux in front of the
// routes, answering /readyz (servemain.Handler). It follows no change on
// disk and logs no decision: it is the floor a protected route can reach,
// not a way to protect one.
//
//	go run ./examples/bench/peer -addr 127.0.0.1:0 -dir DIR [-echo]
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/servemain"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen on `host:port`; port 0 picks a free port")
	dir := flag.String("dir", "", "credentials `directory` to load the users from")
	onEcho := flag.Bool("echo", false, "serve on Echo")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *dir, *onEcho, log); err != nil {
		log.Error("peer failed", "err", err)
		os.Exit(1)
	}
}

func run(addr, dir string, onEcho bool, log *slog.Logger) error {
	users, err := load(dir)
	if err != nil {
		return err
	}
	// A cache on the directory only for the /readyz that the example
	// servers have in front of their routes: the check never asks it.
	creds, err := cache.New(dir, cache.WithLogger(log))
	if err != nil {
		return err
	}
	defer creds.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	app := routes(users)
	if onEcho {
		app = echoRoutes(users)
	}
	handler := servemain.Handler(servemain.Env{Creds: creds, Log: log}, func(servemain.Env) http.Handler { return app })
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return servemain.Serve(ctx, log, ln, handler, "users", len(users))
}

// load reads the hash of every record in dir.
func load(dir string) (map[string][sha256.Size]byte, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	users := make(map[string][sha256.Size]byte, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var rec struct {
			User        string `json:"user"`
			HashedToken string `json:"hashed_token"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		var sum [sha256.Size]byte
		if _, err := hex.Decode(sum[:], []byte(rec.HashedToken)); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		users[rec.User] = sum
	}
	return users, nil
}

type userKey struct{}

// routes serves /healthz and the protected /hello.
func routes(users map[string][sha256.Size]byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /hello", check(users, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := r.Context().Value(userKey{}).(string)
		fmt.Fprintf(w, "Hello, %s!\n", user)
	})))
	return mux
}

// check is the hand-rolled authentication on net/http.
func check(users map[string][sha256.Size]byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := verify(users, r.Header)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Fixie realm="fixie"`)
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// verify reads and removes the credentials in h and checks them: a
// 20-byte token as 40 hex digits, its bytes reversed into the
// little-endian value the stored hash is of.
func verify(users map[string][sha256.Size]byte, h http.Header) (string, bool) {
	user := h.Get("X-Fixie-User")
	token := h.Get("X-Fixie-Token")
	h.Del("X-Fixie-Token")
	var v [20]byte
	_, err := hex.Decode(v[:], []byte(token))
	slices.Reverse(v[:])
	sum := sha256.Sum256(v[:])
	stored, ok := users[user]
	return user, err == nil && len(token) == 2*len(v) && ok && subtle.ConstantTimeCompare(sum[:], stored[:]) == 1
}

// echoRoutes serves /healthz and the protected /hello on Echo, the
// handler wrapped once in the hand-rolled check.
func echoRoutes(users map[string][sha256.Size]byte) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			user, ok := verify(users, c.Request().Header)
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Fixie realm="fixie"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "Unauthorized")
			}
			c.Set("user", user)
			return next(c)
		}
	}
	e.GET("/hello", auth(func(c echo.Context) error {
		user, _ := c.Get("user").(string)
		return c.String(http.StatusOK, "Hello, "+user+"!\n")
	}))
	return e
}
