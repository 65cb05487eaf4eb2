// Package browser contains end-to-end tests that drive the refresh demo
// (examples/refresh) in headless Chromium. They cover the password and
// code-flow logins, the return to a protected page, a rejected password, a
// token refresh, logout, and the JSON 401 of the API after logout.
//
// The tests build the demo, run it with its embedded provider on free
// loopback ports and a 3-second access-token lifetime, and start
// /usr/bin/chromium with a fresh profile and its background networking
// turned off. They skip when /usr/bin/chromium is missing, unless the
// environment sets PASSPORT_REQUIRE_BROWSER=1, as .ci/run does; then they
// fail.
//
// TestScreenshots writes the login and profile pages as PNG files to a
// temporary directory, or to the directory of the -screenshot-dir flag. A
// relative path is relative to this package's directory, where go test
// runs the tests. To update the README's screenshots:
//
//	cd examples && go test ./browser -run TestScreenshots -screenshot-dir ../../docs/images
package browser
