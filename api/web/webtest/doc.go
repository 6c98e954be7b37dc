// Package webtest starts a headless Chromium for tests that drive a page with chromedp:
// the web chat's own tests, a whole-binary test of the server, the staff console.
//
// A test calls Browser once and Tab for each page it opens. Without Chromium the tests
// skip with the reason, except under CI=true, where a missing browser fails them: CI
// must install the Debian packages chromium and chromium-driver.
//
// Screenshot saves pictures of a page into the directory named by SKYBRIDGE_ARTIFACTS,
// so that CI can keep them; without that variable it saves nothing.
package webtest
