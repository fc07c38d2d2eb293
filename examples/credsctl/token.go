package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxTokenLine bounds what verify reads from stdin: a token has at most 256
// hex digits.
const maxTokenLine = 1024

// printToken prints a new token alone on stdout, where scripts capture it,
// and what it is on stderr.
func printToken(c call, token, what string) error {
	if _, err := fmt.Fprintln(c.stdout, token); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "%s The token is on standard output.\nStore it now: it is not kept anywhere and cannot be shown again.\n", what)
	return nil
}

// readToken reads the first line of stdin as user's token, prompting on
// stderr if stdin is a terminal.
func readToken(c call, user string) (string, error) {
	prompted := false
	if f, ok := c.stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(c.stderr, "Token for %s: ", user)
		prompted = true
	}
	line, err := bufio.NewReaderSize(io.LimitReader(c.stdin, maxTokenLine), maxTokenLine).ReadString('\n')
	if prompted && !strings.HasSuffix(line, "\n") {
		// The input ended without a newline (Ctrl-D): end the prompt's
		// line, so that what follows starts a line of its own.
		fmt.Fprintln(c.stderr)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the token: %w", err)
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", &failure{code: exitUsage, msg: "no token: pipe it to standard input or give -token"}
	}
	return token, nil
}

// isTerminal reports whether f looks like a terminal to prompt on: a
// character device other than the null device.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}
