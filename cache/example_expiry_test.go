package cache_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
)

// A token for a CI job that ends on its own after 30 days, and a rotation
// of it with a day's overlap, so that jobs still holding the old token
// keep working while they move to the new one.
func ExampleKeepPrevious() {
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

	var first cache.User
	old, err := c.Register("ci", "ci@example.org", cache.ExpiresAfter(30*24*time.Hour), cache.Issued(&first))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expires in 30 days:", time.Until(first.Expires).Round(time.Hour))

	var rotated cache.User
	next, err := c.Reset("ci", "ci@example.org",
		cache.KeepPrevious(24*time.Hour), cache.ExpiresAfter(30*24*time.Hour), cache.Issued(&rotated))
	if err != nil {
		log.Fatal(err)
	}
	okOld, _ := c.Verify("ci", old)
	okNew, _ := c.Verify("ci", next)
	fmt.Println("both work during the overlap:", okOld, okNew)
	fmt.Println("the old one ends in:", time.Until(rotated.PreviousExpires).Round(time.Hour))

	// A plain reset ends every older token at once.
	last, err := c.Reset("ci", "ci@example.org")
	if err != nil {
		log.Fatal(err)
	}
	okOld, _ = c.Verify("ci", old)
	okNew, _ = c.Verify("ci", next)
	okLast, _ := c.Verify("ci", last)
	fmt.Println("after a plain reset:", okOld, okNew, okLast)
	// Output:
	// expires in 30 days: 720h0m0s
	// both work during the overlap: true true
	// the old one ends in: 24h0m0s
	// after a plain reset: false false true
}

// Verify of a token past its expiry is a refusal that says so.
func ExampleErrTokenExpired() {
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

	token, err := c.Register("alice", "alice@example.org", cache.ExpiresAfter(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.LoadUser("alice")
	if err != nil {
		log.Fatal(err)
	}
	time.Sleep(time.Until(u.Expires))
	ok, err := c.Verify("alice", token)
	fmt.Println(ok, errors.Is(err, cache.ErrTokenExpired))
	// Output:
	// false true
}
