// Package readme keeps the repository's README.md honest: its tests build
// every complete Go program in it against the current code, check that the
// configuration tables name every cache option and middleware field, and
// that the quick start keeps its two commands.
package readme
