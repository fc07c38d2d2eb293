package routes

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIndexCopiesOnlyPlainHosts: the index shows commands for the host
// asked for, unless the client's Host could do something in a shell.
func TestIndexCopiesOnlyPlainHosts(t *testing.T) {
	for host, shown := range map[string]string{
		"127.0.0.1:8080":         "http://127.0.0.1:8080/creds/register",
		"localhost:8083":         "http://localhost:8083/hello",
		"[::1]:8080":             "http://[::1]:8080/hello",
		"creds.example.org":      "http://creds.example.org/hello",
		"x$(id)":                 "http://HOST/hello",
		"a'$(id)'b:80":           "http://HOST/hello",
		"attacker.example;rm -x": "http://HOST/hello",
	} {
		text := Index("gin", host)
		assert.True(t, strings.HasPrefix(text, "fixiecreds example server (gin)\n"), host)
		assert.Contains(t, text, shown, host)
		if strings.Contains(shown, "HOST") {
			assert.NotContains(t, text, "$(", host)
		}
	}
}
