// Package e2e holds the end-to-end tests of bff-web in a real browser: headless Chromium
// (driven over the DevTools protocol with chromedp) runs the demo web app of bff-web/demo on
// its own origin against a real bff-web process, and proves what only a browser can:
// cookie attributes (HttpOnly, Secure, __Host-, SameSite), CORS with credentials, and CSRF
// protection against pages on other origins. The package has only tests; chromedp never
// reaches the bff-web binary. See docs/bff-web-demo.md.
package e2e
