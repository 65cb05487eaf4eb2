package browser

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageTime matches the times that the profile page shows.
var pageTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$`)

// timeAttribute parses the datetime attribute of the first element that
// selector matches.
func (b *tab) timeAttribute(selector string) time.Time {
	b.t.Helper()
	v, err := time.Parse(time.RFC3339Nano, b.attribute(selector, "datetime"))
	require.NoError(b.t, err)
	return v
}

// apiResponse is the status, Content-Type and parsed JSON body of a fetch
// from the page.
type apiResponse struct {
	Status      int            `json:"status"`
	ContentType string         `json:"contentType"`
	Body        map[string]any `json:"body"`
}

// fetchJSON fetches path from the page's JavaScript and parses the body as
// JSON there, so a body that is not JSON fails the action.
func (b *tab) fetchJSON(path string) apiResponse {
	b.t.Helper()
	script := `fetch(` + jsString(path) + `).then(async r => ({
		status: r.status,
		contentType: r.headers.get("Content-Type"),
		body: await r.json(),
	}))`
	return run(b, chromedp.Evaluate[apiResponse](script, chromedp.EvalAwaitPromise))
}

// jsString quotes s as a JavaScript string literal. A JSON string is one.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRefreshOnReload(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	require.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))
	require.Equal(t, "/profile", b.location())
	assert.Equal(t, "never", b.text("refreshed"))
	issued := b.timeAttribute("#issued time")
	expiry := b.timeAttribute("#expiry time")
	require.WithinDuration(t, issued.Add(tokenTTL), expiry, time.Second)
	require.Zero(t, b.demo.refreshGrants())

	// Stay on the page until the access token has expired, then reload.
	time.Sleep(time.Until(expiry) + 300*time.Millisecond)
	b.do(chromedp.Reload())

	assert.Equal(t, "/profile", b.location(), "still logged in")
	assert.Equal(t, demoUser, b.text("user"))
	assert.Regexp(t, pageTime, b.text("refreshed"))
	refreshed := b.timeAttribute("#refreshed time")
	assert.True(t, refreshed.After(expiry), "refreshed at %s, after the expiry %s", refreshed, expiry)
	assert.True(t, b.timeAttribute("#expiry time").After(expiry), "the new token expires later")
	assert.Eventually(t, func() bool { return b.demo.refreshGrants() == 1 }, 2*time.Second, 20*time.Millisecond,
		"the provider issued one token for a refresh_token grant")
}

func TestLogout(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	require.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))
	require.Equal(t, "/profile", b.location())

	assert.Equal(t, http.StatusOK, b.load(chromedp.Click(chromedp.ID("logout"))))
	assert.Equal(t, "/login", b.location())

	assert.Equal(t, http.StatusOK, b.open("/profile"))
	assert.Equal(t, "/login?callback=%2Fprofile", b.location())
}

func TestAPIAfterLogout(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	require.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))

	res := b.fetchJSON("/api/data")
	require.Equal(t, http.StatusOK, res.Status, "logged in: %v", res.Body)
	assert.Equal(t, demoUser, res.Body["user"])

	require.Equal(t, http.StatusOK, b.load(chromedp.Click(chromedp.ID("logout"))))
	res = b.fetchJSON("/api/data")
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.Equal(t, "application/json", res.ContentType)
	assert.Equal(t, "unauthorized", res.Body["error"])
}
