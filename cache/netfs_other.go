//go:build !linux

package cache

// networkFS cannot tell network file systems apart here.
func networkFS(string) (string, bool) { return "", false }
