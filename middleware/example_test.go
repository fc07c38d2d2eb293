package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/fixiecreds/fixiecreds/cache"
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

func ExampleAuth() {
	c, done := exampleCache()
	defer done()
	token, err := c.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /public", hello)
	mux.Handle("GET /private", middleware.Auth(c)(http.HandlerFunc(hello)))

	for _, tc := range []struct{ path, token string }{
		{"/public", ""},
		{"/private", token},
		{"/private", "ff"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("X-Fixie-User", "alice")
		req.Header.Set("X-Fixie-Token", tc.token)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(tc.path, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
	}
	// Output:
	// /public 200  hello, stranger
	// /private 200  hello, alice
	// /private 401 Fixie realm="fixie" {"message":"Unauthorized"}
}

func ExampleAuthWithConfig() {
	c, done := exampleCache()
	defer done()
	token, err := c.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}

	auth := middleware.AuthWithConfig(c, middleware.Config{
		Skipper:   func(r *http.Request) bool { return r.URL.Path == "/healthz" },
		BasicAuth: true, // lets curl -u alice:TOKEN and browsers in
		Realm:     "example",
		OnOutcome: func(r *http.Request, o middleware.Outcome) {
			fmt.Printf("%s: %s user=%q basic=%t\n", r.URL.Path, o.Result, o.User, o.Basic)
		},
	})
	h := auth(http.HandlerFunc(hello))

	healthz := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	basic := httptest.NewRequest(http.MethodGet, "/basic", nil)
	basic.SetBasicAuth("alice", token)
	wrong := httptest.NewRequest(http.MethodGet, "/wrong", nil)
	wrong.Header.Set("X-Fixie-User", "alice")
	wrong.Header.Set("X-Fixie-Token", "ff")
	none := httptest.NewRequest(http.MethodGet, "/none", nil)

	for _, req := range []*http.Request{healthz, basic, wrong, none} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("  %d %q\n", rec.Code, rec.Header().Values("WWW-Authenticate"))
	}
	// Output:
	// /healthz: skipped user="" basic=false
	//   200 []
	// /basic: accepted user="alice" basic=true
	//   200 []
	// /wrong: rejected user="alice" basic=false
	//   401 ["Fixie realm=\"example\"" "Basic realm=\"example\", charset=\"UTF-8\""]
	// /none: missing user="" basic=false
	//   401 ["Fixie realm=\"example\"" "Basic realm=\"example\", charset=\"UTF-8\""]
}

// A door that is not net/http, such as a gRPC interceptor, hands the
// decision its metadata, whose lower-case keys are read as the headers
// are, and answers by the Outcome's Result.
func ExampleChecker() {
	v := middleware.VerifierFunc(func(_ context.Context, user, token string) (bool, error) {
		return user == "alice" && token == "ff", nil
	})
	chk, err := middleware.NewChecker(v, middleware.Config{})
	if err != nil {
		log.Fatal(err)
	}

	md := map[string][]string{"x-fixie-user": {"alice"}, "x-fixie-token": {"ff"}}
	o := chk.Check(context.Background(), md)
	fmt.Println(o.Result, o.User, md)

	md = map[string][]string{"x-fixie-user": {"alice"}, "x-fixie-token": {"ff"}, "x_fixie_user": {"root"}}
	o = chk.Check(context.Background(), md)
	fmt.Println(o.Result, o.Err)
	// Output:
	// accepted alice map[x-fixie-user:[alice]]
	// rejected middleware: invalid credentials: a header that reads as X-Fixie-User or X-Fixie-Token when _ is read as -
}
