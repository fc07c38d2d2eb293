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

// Flags are the -etcd and -etcd-prefix flags. Make them with [NewFlags].
type Flags struct {
	Endpoints string // -etcd: host:port,...
	Prefix    string // -etcd-prefix
}

// NewFlags returns Flags whose -etcd defaults to endpoints ("" for none)
// and -etcd-prefix to [DefaultPrefix].
func NewFlags(endpoints string) *Flags {
	return &Flags{Endpoints: endpoints, Prefix: DefaultPrefix}
}

// Add defines -etcd and -etcd-prefix on fs, with the values f holds as
// defaults: it may define them on more than one flag set, such as those
// before and after a command.
func (f *Flags) Add(fs *flag.FlagSet) {
	fs.StringVar(&f.Endpoints, "etcd", f.Endpoints, "etcd endpoints: `host:port,...` of every member of the cluster")
	fs.StringVar(&f.Prefix, "etcd-prefix", f.Prefix, "etcd key `prefix` of the users' records, ending with '/': one per deployment")
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
