package etcdconn

import (
	"errors"
	"flag"
	"log/slog"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fixiecreds/fixiecreds/cache/etcdstore"
)

// DefaultPrefix is the default of -etcd-prefix.
const DefaultPrefix = "/fixiecreds/users/"

// Flags are the -etcd and -etcd-prefix flags. The zero value holds no
// endpoints; [Flags.Add] defines the flags and sets their defaults.
type Flags struct {
	Endpoints string // -etcd: host:port,...
	Prefix    string // -etcd-prefix
}

// Add defines -etcd, whose default is endpoints ("" for none), and
// -etcd-prefix on fs.
func (f *Flags) Add(fs *flag.FlagSet, endpoints string) {
	fs.StringVar(&f.Endpoints, "etcd", endpoints, "etcd endpoints: `host:port,...` of every member of the cluster")
	fs.StringVar(&f.Prefix, "etcd-prefix", DefaultPrefix, "etcd key `prefix` of the users' records, ending with '/': one per deployment")
}

// Set reports whether -etcd is set: not empty. [Flags.Open] says if it
// names no endpoint.
func (f *Flags) Set() bool { return f.Endpoints != "" }

// Open returns a client on the endpoints and a store on the prefix
// through it. The caller closes the client, after every cache on the
// store. The client logs to log.
func (f *Flags) Open(log *slog.Logger) (*clientv3.Client, *etcdstore.Store, error) {
	endpoints := Endpoints(f.Endpoints)
	if len(endpoints) == 0 {
		return nil, nil, errors.New("-etcd names no endpoint: give host:port pairs separated by commas")
	}
	client, err := NewClient(endpoints, log)
	if err != nil {
		return nil, nil, err
	}
	store, err := etcdstore.New(client, f.Prefix)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, store, nil
}

// Endpoints splits a comma-separated list of endpoints, leaving out
// empty ones and spaces.
func Endpoints(list string) []string {
	var out []string
	for e := range strings.SplitSeq(list, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
