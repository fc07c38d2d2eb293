package httpapi_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/httpapi"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// exampleCache returns a cache on a fresh directory and a function that
// closes it and removes the directory.
func exampleCache() (*cache.Cache, func()) {
	dir, err := os.MkdirTemp("", "fixiecreds-example-")
	if err != nil {
		log.Fatal(err)
	}
	c, err := cache.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	return c, func() {
		_ = c.Close()
		_ = os.RemoveAll(dir)
	}
}

// hello greets the verified user, if any.
func hello(w http.ResponseWriter, r *http.Request) {
	user, ok := middleware.UserFromContext(r.Context())
	if !ok {
		user = "stranger"
	}
	fmt.Fprintf(w, "hello, %s", user)
}

// hexToken matches a token in an answer.
var hexToken = regexp.MustCompile(`"token":"[0-9a-f]+"`)

func ExampleHandler() {
	c, done := exampleCache()
	defer done()

	mux := http.NewServeMux()
	mux.Handle("/creds/", http.StripPrefix("/creds", httpapi.Handler(c)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(path, body string) string {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		answer, err := io.ReadAll(resp.Body)
		if err != nil {
			log.Fatal(err)
		}
		// Tokens are random: show their shape only.
		answer = hexToken.ReplaceAll(answer, []byte(`"token":"<40 hex digits>"`))
		return fmt.Sprint(resp.StatusCode, " ", string(answer))
	}

	fmt.Println(call("/creds/register", `{"user":"alice","email":"alice@example.org"}`))
	fmt.Println(call("/creds/register", `{"user":"alice","email":"alice@example.org"}`))
	fmt.Println(call("/creds/verify", `{"user":"alice","token":"ff"}`))
	fmt.Println(call("/creds/verify", `{"user":"bob","token":"ff"}`))
	fmt.Println(call("/creds/deregister", `{"user":"../alice","token":"ff"}`))
	fmt.Println(call("/creds/reset", ``))
	// Output:
	// 200 {"status":true,"token":"<40 hex digits>"}
	// 200 {"message":"User 'alice' already registered","status":false,"token":"<not-a-token>"}
	// 200 {"message":"Invalid token for user alice","status":true,"verified":false}
	// 200 {"message":"User 'bob' not registered","status":false,"verified":false}
	// 400 {"message":"Input to Deregister is not valid: field \"user\" is not a usable user name: it starts with '.'"}
	// 400 {"message":"Unable to parse JSON."}
}

func ExampleNewClient() {
	c, done := exampleCache()
	defer done()
	token, err := c.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}
	// One credentials service...
	creds := httptest.NewServer(httpapi.Handler(c))
	defer creds.Close()

	// ...shared by app servers that ask it.
	client, err := httpapi.NewClient(creds.URL, httpapi.ClientConfig{})
	if err != nil {
		log.Fatal(err)
	}
	app := middleware.Auth(client)(http.HandlerFunc(hello))

	for _, tok := range []string{token, "ff"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Fixie-User", "alice")
		req.Header.Set("X-Fixie-Token", tok)
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 hello, alice
	// 401 {"message":"Unauthorized"}
}

// The service behind a reverse proxy on 10.0.0.0/8 that puts each
// client's address in X-Forwarded-For, allowing each client one
// registration per hour.
func ExampleHandlerWithConfig() {
	c, done := exampleCache()
	defer done()
	h := httpapi.HandlerWithConfig(c, httpapi.HandlerConfig{
		ClientKey:     httpapi.ProxyClientIP("X-Forwarded-For", netip.MustParsePrefix("10.0.0.0/8")),
		RegisterLimit: httpapi.Limit{Requests: 1, Per: time.Hour},
	})
	register := func(user, client string) {
		req := httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(`{"user":"`+user+`","email":"`+user+`@example.org"}`))
		req.RemoteAddr = "10.0.0.1:443" // the proxy
		req.Header.Set("X-Forwarded-For", client)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("Retry-After"), hexToken.ReplaceAllString(rec.Body.String(), `"token":"<40 hex digits>"`))
	}
	register("alice", "198.51.100.1")
	register("bob", "198.51.100.2")
	register("carol", "198.51.100.1")
	// Output:
	// 200  {"status":true,"token":"<40 hex digits>"}
	// 200  {"status":true,"token":"<40 hex digits>"}
	// 429 3600 {"message":"Too many requests; try again in 3600 seconds","status":false,"token":"<not-a-token>"}
}
