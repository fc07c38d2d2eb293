package echomw_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware/echomw"
)

func ExampleAuth() {
	dir, err := os.MkdirTemp("", "fixiecreds-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := cache.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	token, err := c.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}

	e := echo.New()
	api := e.Group("/api", echomw.Auth(c))
	api.GET("/hello", func(c echo.Context) error {
		user, _ := echomw.User(c)
		return c.String(http.StatusOK, "hello, "+user)
	})

	for _, tok := range []string{token, "ff"} {
		req := httptest.NewRequest(http.MethodGet, "/api/hello", nil)
		req.Header.Set("X-Fixie-User", "alice")
		req.Header.Set("X-Fixie-Token", tok)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
	}
	// Output:
	// 200  hello, alice
	// 401 Fixie realm="fixie" {"message":"Unauthorized"}
}
