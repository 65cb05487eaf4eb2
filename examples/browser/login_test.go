package browser

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo's one user, on its embedded provider.
const (
	demoUser     = "alice"
	demoPassword = "wonderland"
)

// focusTimeout bounds the wait for an autofocus field to get the focus.
const focusTimeout = 5 * time.Second

// logIn types user and password into the demo's login form, submits it
// and returns the status code of the page that loads.
func (b *tab) logIn(user, password string) int {
	b.t.Helper()
	return b.load(
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action^="/login"] button[type=submit]`)),
	)
}

// waitFocus waits until the element with the given id has the keyboard
// focus. Chromium moves the focus to an autofocus field after the page has
// loaded, not during the load.
func (b *tab) waitFocus(id string) error {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	predicate := `document.activeElement !== null && document.activeElement.id === ` + jsString(id)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(focusTimeout)))
	return err
}

func TestPasswordLogin(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	assert.NoError(t, b.waitFocus("username"), "the username field has autofocus")

	assert.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))
	assert.Equal(t, "/profile", b.location())
	assert.Equal(t, demoUser, b.text("user"))
}

func TestCodeFlowLogin(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))
	assert.Equal(t, "Log in with OAuth 2.0", b.text("oauth-login"))

	// The link leads to the provider's own login page.
	require.Equal(t, http.StatusOK, b.load(chromedp.Click(chromedp.ID("oauth-login"))))
	assert.True(t, strings.HasPrefix(b.location(), b.demo.ProviderURL+"/oauth2/auth?"), b.location())
	assert.Equal(t, "Sign in", b.text("title"))

	require.Equal(t, http.StatusOK, b.load(
		chromedp.SendKeys(chromedp.ID("username"), demoUser),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS(`button[value=login]`)),
	))
	assert.Equal(t, "Allow access?", b.text("title"))

	assert.Equal(t, http.StatusOK, b.load(chromedp.Click(chromedp.CSS(`button[value=allow]`))))
	assert.Equal(t, "/profile", b.location())
	assert.Equal(t, demoUser, b.text("user"))
}

func TestProtectedPageReturn(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/profile"))
	assert.Equal(t, "/login?callback=%2Fprofile", b.location())

	assert.Equal(t, http.StatusOK, b.logIn(demoUser, demoPassword))
	assert.Equal(t, "/profile", b.location())
	assert.Equal(t, demoUser, b.text("user"))
}

func TestWrongPassword(t *testing.T) {
	b := newTab(t)
	require.Equal(t, http.StatusOK, b.open("/login"))

	assert.Equal(t, http.StatusUnauthorized, b.logIn(demoUser, "not-the-password"))
	assert.Equal(t, "/login", b.location())
	assert.Equal(t, "invalid username or password", b.text("login-error"))
	assert.Equal(t, "alert", b.attribute("#login-error", "role"))

	// The message follows the password field in the form, and both fields
	// point to it.
	assert.Equal(t, "password", run(b, chromedp.Evaluate[string](`document.getElementById("login-error").previousElementSibling.id`)))
	assert.True(t, run(b, chromedp.Evaluate[bool](`document.getElementById("login-error").closest("form") !== null`)))
	for _, field := range []string{"#username", "#password"} {
		assert.Equal(t, "login-error", b.attribute(field, "aria-describedby"), field)
		assert.Equal(t, "true", b.attribute(field, "aria-invalid"), field)
	}
	assert.Equal(t, demoUser, run(b, chromedp.Value(chromedp.ID("username"))), "the username is kept")
	assert.NoError(t, b.waitFocus("password"), "the focus is on the password to retype")
}
