// Package readme keeps the repository's README.md honest. Its tests:
//
//   - build every complete Go program in it against the current code, in
//     the examples module (so that the chi and gorilla/mux programs build
//     with the routers this module requires), and run the HTTP client
//     program against the example server;
//   - check that the programs that serve each listen on a port of their
//     own, not the example server's;
//   - check that the configuration tables name every cache option, every
//     field of the middleware, httpapi.Client and httpapi.Handler
//     configurations and every flag of the example servers;
//   - check that the first screen keeps its two commands (the second being
//     the one line that tests every module, as CI does) and a curl
//     session, and that the contents list every section.
package readme
