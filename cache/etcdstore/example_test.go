package etcdstore_test

import (
	"fmt"
	"log"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// Two app servers share their users through etcd: what one registers,
// the other verifies, and a token that one resets, neither accepts.
func Example() {
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{etcdEndpoint()}, // every member of the cluster
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close() // after the caches: the client is the caller's

	// Each server opens a Cache on a store of its own, on one prefix;
	// two in one process here.
	open := func() *cache.Cache {
		store, err := etcdstore.New(client, "/example/users/")
		if err != nil {
			log.Fatal(err)
		}
		c, err := cache.Open(store)
		if err != nil {
			log.Fatal(err)
		}
		return c
	}
	one := open()
	defer one.Close()
	two := open()
	defer two.Close()

	token, err := one.Register("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}
	// The other server learns of the new user through the store's change
	// feed, in milliseconds; until then it answers "not registered".
	ok, err := two.Verify("alice", token)
	for deadline := time.Now().Add(5 * time.Second); !ok && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		ok, err = two.Verify("alice", token)
	}
	fmt.Println("two accepts the token one issued:", ok, err)

	newToken, err := two.Reset("alice", "alice@example.org")
	if err != nil {
		log.Fatal(err)
	}
	ok, err = one.Verify("alice", token)
	fmt.Println("one accepts the token two replaced:", ok, err)
	ok, err = one.Verify("alice", newToken)
	fmt.Println("one accepts the new token:", ok, err)

	err = one.Deregister("alice", newToken)
	fmt.Println("deregistered:", err)
	// Output:
	// two accepts the token one issued: true <nil>
	// one accepts the token two replaced: false <nil>
	// one accepts the new token: true <nil>
	// deregistered: <nil>
}
