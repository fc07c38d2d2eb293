package cache_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/fixiecreds/fixiecreds/cache"
)

func Example() {
	dir, err := os.MkdirTemp("", "creds")
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
	ok, err := c.Verify("alice", token)
	fmt.Println("own token:", ok, err)

	ok, err = c.Verify("alice", "00ff")
	fmt.Println("other token:", ok, err)

	_, err = c.Verify("bob", token)
	fmt.Println("unknown user:", errors.Is(err, cache.ErrNotRegistered))

	newToken, err := c.Reset("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}
	ok, _ = c.Verify("alice", token)
	fmt.Println("old token after reset:", ok)

	err = c.Deregister("alice", newToken)
	fmt.Println("deregistered:", err == nil)
	// Output:
	// own token: true <nil>
	// other token: false <nil>
	// unknown user: true
	// old token after reset: false
	// deregistered: true
}

func ExampleCache_HashToken() {
	dir, err := os.MkdirTemp("", "creds")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := cache.New(dir, cache.WithWatch(false))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	h, _ := c.HashToken("ff")
	fmt.Println(h)
	_, err = c.HashToken("0xff")
	fmt.Println(err)
	// Output:
	// eb28e6a4b4ab077e254dae82e43e6913ab94d5b5fc3ab7623dbf11b1f4d3c886
	// cache: malformed token
}
