// Package readme keeps the repository's READMEs honest. Its tests:
//
//   - build every complete Go program in them against the current code, in
//     the examples module (so that the chi and gorilla/mux programs build
//     with the routers this module requires), run the README's net/http
//     program and the HTTP client program against a server, and check
//     the output they print against the samples shown;
//   - check that each program that serves takes its address from an -addr
//     flag, with a default of its own;
//   - check that the configuration tables name every cache option, every
//     field of the middleware, echomw, httpapi.Client and httpapi.Handler
//     configurations and every flag of the example servers;
//   - check that the README opens with its two commands (the second being
//     the one line that tests every module, as CI does), a curl session, an
//     install recipe that tidies after the code exists and a link to every
//     door, in at most 300 lines;
//   - check that every relative link and #anchor of every Markdown file of
//     the repository lands on a file and a heading.
package readme
