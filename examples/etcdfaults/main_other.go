//go:build !unix

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "etcdfaults: stops and continues processes with signals, which only Unix systems have")
	os.Exit(1)
}
