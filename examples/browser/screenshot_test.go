package browser

import (
	"bytes"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// saveScreenshot writes a PNG of the viewport to dir/name and checks its
// size.
func (b *tab) saveScreenshot(dir, name string) {
	b.t.Helper()
	buf := b.screenshot()
	img, err := png.Decode(bytes.NewReader(buf))
	require.NoError(b.t, err)
	assert.Equal(b.t, viewportWidth, img.Bounds().Dx())
	assert.Equal(b.t, viewportHeight, img.Bounds().Dy())
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name), buf, 0o644))
}

// TestScreenshots takes the login page and, after a token refresh, the
// profile page.
func TestScreenshots(t *testing.T) {
	dir := *screenshotDir
	if dir == "" {
		dir = t.TempDir()
	}
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	b.saveScreenshot(dir, "login.png")

	require.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))
	time.Sleep(time.Until(b.timeAttribute("#expiry time")) + 300*time.Millisecond)
	b.do(chromedp.Reload())
	require.Regexp(t, pageTime, b.text("refreshed"))
	b.saveScreenshot(dir, "profile.png")
	t.Logf("screenshots in %s", dir)
}
