package e2e

import (
	"os"
	"testing"

	"bffsuite.dev/shared/identity/localidp"
	"github.com/chromedp/chromedp"
)

// TestDemoHomeScreenshot writes the README's screenshot of the demo home page (signed in as
// the demo user, 1280x800) to the file named by BFF_DEMO_SCREENSHOT; it is skipped without
// it. With BFF_DEMO_URL (e.g. http://127.0.0.1:8080 while `make run` runs) it uses that
// suite, else it starts its own:
//
//	BFF_DEMO_SCREENSHOT=$PWD/docs/demo-home.png go test -run TestDemoHomeScreenshot ./bff-web/e2e
func TestDemoHomeScreenshot(t *testing.T) {
	out := os.Getenv("BFF_DEMO_SCREENSHOT")
	if out == "" {
		t.Skip("set BFF_DEMO_SCREENSHOT=<file.png> to write the demo home screenshot")
	}
	demoURL := os.Getenv("BFF_DEMO_URL")
	if demoURL == "" {
		demoURL = startSuite(t).DemoURL
	}
	ctx := newBrowser(t)
	do(t, ctx, "viewport", chromedp.EmulateViewport(1280, 800))
	openDemo(t, ctx, demoURL, "/")
	signIn(t, ctx, localidp.DemoUser, demoPassword)
	goTo(t, ctx, "/products")
	goTo(t, ctx, "/")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}
