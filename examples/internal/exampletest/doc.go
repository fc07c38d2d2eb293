// Package exampletest builds the example programs and runs them as child
// processes, so that their tests exercise exactly what a user runs: the
// flags, the log output, the exit codes and real HTTP.
//
// A test package builds its binaries once, in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, "server")) }
//
// and its tests start them with [Start] (servers) or [Run] (commands), and
// drive servers with a [Client]. Every child process is killed and waited
// for when its test ends.
package exampletest
