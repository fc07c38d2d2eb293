package authn

import "errors"

// The sentinels the tests give a Checker, as the public package does its own.
var (
	errMissing = errors.New("middleware: missing credentials")
	errInvalid = errors.New("middleware: invalid credentials")
	errFailed  = errors.New("middleware: credentials could not be verified")
	testErrors = Sentinels{Missing: errMissing, Invalid: errInvalid, Failed: errFailed}
)

// testSettings returns s with the tests' sentinels.
func testSettings(s Settings) Settings {
	s.Errors = testErrors
	return s
}
