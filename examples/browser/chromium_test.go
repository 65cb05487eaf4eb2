package browser

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

const (
	chromiumPath = "/usr/bin/chromium"
	// requireBrowserEnv set to 1 turns the skip for a missing Chromium into
	// a failure.
	requireBrowserEnv = "PASSPORT_REQUIRE_BROWSER"

	// browserTimeout bounds the life of one test's browser, and
	// actionTimeout each action in it.
	browserTimeout = 2 * time.Minute
	actionTimeout  = 15 * time.Second

	viewportWidth, viewportHeight = 900, 700
)

// tab is one Chromium tab pointed at a running demo.
type tab struct {
	t    *testing.T
	ctx  context.Context
	demo *demo
}

// newTab starts the demo and a headless Chromium with a fresh profile.
// Both stop when the test ends.
func newTab(t *testing.T) *tab {
	t.Helper()
	requireChromium(t)
	d := startDemo(t)

	parent, cancelParent := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancelParent)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, chromiumOptions(t.TempDir())...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)

	// The first Do starts the browser, which lives as long as ctx.
	require.NoError(t, chromedp.Do(ctx), "cannot start %s", chromiumPath)
	tb := &tab{t: t, ctx: ctx, demo: d}
	tb.do(chromedp.EmulateViewport(viewportWidth, viewportHeight))
	return tb
}

// requireChromium skips the test when Chromium is missing, or fails it
// when requireBrowserEnv is 1.
func requireChromium(t *testing.T) {
	t.Helper()
	_, err := os.Stat(chromiumPath)
	switch {
	case err == nil:
		return
	case os.Getenv(requireBrowserEnv) == "1":
		t.Fatalf("browser: %s is required (%s=1) but missing: %v", chromiumPath, requireBrowserEnv, err)
	default:
		t.Skipf("browser: %s not found, so the browser tests are skipped; install the chromium package to run them", chromiumPath)
	}
}

// chromiumOptions are the flags of a headless Chromium that sends no
// traffic of its own: no background networking, component or sync
// updates, QUIC or DNS lookups. The host resolver rule fails every name
// lookup, and the demo is reached by its IP address.
func chromiumOptions(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,PasswordLeakDetection"),
	}
}

// do runs actions that return no value, within actionTimeout.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// run runs one action within actionTimeout and returns its value.
func run[T any](b *tab, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	require.NoError(b.t, err)
	return v
}

// open navigates to path on the demo, follows its redirects and returns
// the status code of the page that loads.
func (b *tab) open(path string) int {
	b.t.Helper()
	return status(b.t, run(b, chromedp.NavigateResponse(b.demo.URL+path)))
}

// load runs actions that start a navigation, such as a click on a link or a
// submit button, waits for the page and returns its status code.
func (b *tab) load(actions ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	require.NoError(b.t, err)
	return status(b.t, resp)
}

func status(t *testing.T, resp *network.Response) int {
	t.Helper()
	require.NotNil(t, resp, "the navigation loaded no document")
	return int(resp.Status)
}

// location returns the URL of the page, without the demo's origin when the
// page is on the demo.
func (b *tab) location() string {
	b.t.Helper()
	loc := run(b, chromedp.Location())
	if path, ok := strings.CutPrefix(loc, b.demo.URL); ok {
		return path
	}
	return loc
}

// text returns the visible text of the element with the given id.
func (b *tab) text(id string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.ID(id)))
}

// attribute returns the attribute name of the first element that the CSS
// selector matches, and fails the test when the element has none.
func (b *tab) attribute(selector, name string) string {
	b.t.Helper()
	res := run(b, chromedp.AttributeValue(chromedp.CSS(selector), name))
	require.True(b.t, res.Exists, "%s has no attribute %s", selector, name)
	return res.Value
}

// screenshot returns a PNG of the viewport.
func (b *tab) screenshot() []byte {
	b.t.Helper()
	return run(b, chromedp.CaptureScreenshot())
}
