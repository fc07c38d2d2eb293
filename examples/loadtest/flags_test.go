package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want func(*Config)
	}{
		{"start alone", []string{"-start", "-duration", "8s"}, func(c *Config) {
			c.Start, c.Duration = examplePackages["server"], 8*time.Second
		}},
		{"start echo", []string{"-start", "-framework", "echo"}, func(c *Config) { c.Start = examplePackages["echo"] }},
		{"start a path", []string{"-start=./bin/server"}, func(c *Config) { c.Start = "./bin/server" }},
		{"url", []string{"-url", "http://127.0.0.1:8080", "-clients", "3", "-users", "5", "-churn", "2.5", "-settle", "2s", "-min-ratio", "0.85"},
			func(c *Config) {
				c.URL, c.Clients, c.Users, c.Churn, c.Settle, c.MinRatio = "http://127.0.0.1:8080", 3, 5, 2.5, 2*time.Second, 0.85
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseFlags(tt.args, io.Discard)
			require.NoError(t, err)
			want := defaultConfig()
			tt.want(&want)
			assert.Equal(t, want, got)
		})
	}
}

func TestParseFlagsRefuses(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-start", "./examples/echo"}, // a path needs -start=
		{"-start", "-framework", "gin"},
		{"-start", "-url", "http://127.0.0.1:1"},
		{"-url", "http://example.org:80"},
		{"-start", "-dir", "/tmp"},
		{"-nope"},
	} {
		_, err := parseFlags(args, io.Discard)
		assert.Error(t, err, "%q", args)
	}
	assert.Equal(t, 2, runMain(t.Context(), []string{"-nope"}, io.Discard, io.Discard))
	assert.Equal(t, 0, runMain(t.Context(), []string{"-h"}, io.Discard, io.Discard))
}
