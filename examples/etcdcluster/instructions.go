package main

import (
	"io"
	"text/template"
)

// instructions is what the cluster tells its user at start.
type instructions struct {
	Etcd      string   // host:port
	Data      string   // etcd's data directory
	Temporary bool     // whether Data is removed at exit
	Prefix    string   // of the keys
	Servers   []string // host:port of each app server
}

var instructionsText = template.Must(template.New("").Funcs(template.FuncMap{
	"inc":  func(i int) int { return i + 1 },
	"last": func(s []string) int { return len(s) - 1 },
}).Parse(`
A cluster on this machine: one etcd (embedded, one member) and {{len .Servers}} app
servers that share its users, under the key prefix {{.Prefix}}

  etcd       {{.Etcd}}    data in {{.Data}}{{if .Temporary}} (removed at exit){{end}}
{{- range $i, $s := .Servers}}
  server {{inc $i}}   http://{{$s}}
{{- end}}

Register through server 1 and keep the token (it is shown only once):

  TOKEN=$(curl -s -d '{"user":"alice","email":"alice@example.org"}' {{index .Servers 0}}/creds/register | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')

Every server accepts it (200):

  for s in{{range .Servers}} {{.}}{{end}}; do curl -s -o /dev/null -w "$s %{http_code}\n" -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" $s/hello; done

Reset through server {{len .Servers}}: every server refuses the old token at once
(401), without a restart:

  curl -s -w '\n' -d '{"user":"alice","email":"alice@example.org"}' {{index .Servers (last .Servers)}}/creds/reset
  for s in{{range .Servers}} {{.}}{{end}}; do curl -s -o /dev/null -w "$s %{http_code}\n" -H 'X-Fixie-User: alice' -H "X-Fixie-Token: $TOKEN" $s/hello; done

Administer the users, or add a server, on the same etcd:

  go run ./examples/credsctl -etcd {{.Etcd}} list
  go run ./examples/etcdserver -etcd {{.Etcd}} -addr 127.0.0.1:0

Ctrl-C stops everything.

`))

// printInstructions writes the instructions to w.
func printInstructions(w io.Writer, in instructions) {
	_ = instructionsText.Execute(w, in)
}
