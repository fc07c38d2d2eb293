// Package readme keeps the repository's README.md honest: its tests build
// every complete Go program in it against the current code, in the examples
// module (so that the chi and gorilla/mux programs build with the routers
// this module requires), check that the configuration tables name every
// cache option and every field of the middleware, httpapi.Client and
// httpapi.Handler configurations, and that the quick start keeps its two commands, the
// second being the one line that tests every module, as CI does.
package readme
