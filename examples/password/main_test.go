package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
)

// browser is the app and the embedded provider on httptest servers, with a
// client that keeps cookies and does not follow redirects.
type browser struct {
	t      *testing.T
	app    *httptest.Server
	client *http.Client
}

func start(t *testing.T) *browser {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	providerServer := httptest.NewUnstartedServer(nil)
	issuer := "http://" + providerServer.Listener.Addr().String()
	p, err := provider.New(provider.Config{Issuer: issuer})
	require.NoError(t, err)
	providerServer.Config.Handler = p.Handler()
	providerServer.Start()
	t.Cleanup(providerServer.Close)

	a := newApp(appConfig{
		TokenURL:     issuer + "/oauth2/token",
		ClientID:     "demo-app",
		ClientSecret: "demo-secret",
		Scopes:       []string{"profile", "offline_access"},
		Logger:       logger,
	})
	appServer := httptest.NewServer(a.Handler())
	t.Cleanup(appServer.Close)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &browser{t: t, app: appServer, client: client}
}

// do sends a request to the app, with form as an urlencoded body when it is
// not nil, and returns the response with its body read.
func (b *browser) do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.app.URL+target, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(data)
}

func (b *browser) login(target, username, password string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodPost, target, url.Values{"username": {username}, "password": {password}})
}

// sessionCookie returns the app's session cookie from the jar, or nil.
func (b *browser) sessionCookie() *http.Cookie {
	b.t.Helper()
	u, err := url.Parse(b.app.URL)
	require.NoError(b.t, err)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "password_session" {
			return c
		}
	}
	return nil
}

// setSessionCookie puts a session cookie with value into the jar.
func (b *browser) setSessionCookie(value string) {
	b.t.Helper()
	u, err := url.Parse(b.app.URL)
	require.NoError(b.t, err)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "password_session", Value: value, Path: "/"}})
}

func TestLogin(t *testing.T) {
	b := start(t)

	resp, _ := b.do(http.MethodGet, "/profile", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/login?callback=%2Fprofile", resp.Header.Get("Location"))

	resp, page := b.do(http.MethodGet, "/login?callback=%2Fprofile", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `action="/login?callback=%2fprofile"`)
	// A session token planted before the login must not survive it.
	b.setSessionCookie("planted-token")

	resp, _ = b.login("/login?callback=%2Fprofile", "alice", "wonderland")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/profile", resp.Header.Get("Location"))
	cookie := b.sessionCookie()
	require.NotNil(t, cookie)
	assert.NotEqual(t, "planted-token", cookie.Value)

	resp, page = b.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<span id="user">alice</span>`)

	resp, _ = b.do(http.MethodGet, "/login", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/profile", resp.Header.Get("Location"))
}

func TestLoginRejected(t *testing.T) {
	cases := []struct {
		name     string
		username string
		password string
		status   int
		message  string
	}{
		{"wrong password", "alice", "looking-glass", http.StatusUnauthorized, "invalid username or password"},
		{"unknown user", "bob", "wonderland", http.StatusUnauthorized, "invalid username or password"},
		{"missing password", "alice", "", http.StatusBadRequest, "missing credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := start(t)

			resp, page := b.login("/login?callback=%2Fprofile", tc.username, tc.password)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, page, `<p id="login-error">`+tc.message+`</p>`)
			assert.Contains(t, page, `value="`+tc.username+`"`)
			assert.Contains(t, page, `action="/login?callback=%2fprofile"`)

			resp, _ = b.do(http.MethodGet, "/profile", nil)
			assert.Equal(t, http.StatusFound, resp.StatusCode)
		})
	}
}

func TestLoginCallback(t *testing.T) {
	cases := []struct {
		name     string
		callback string
		location string
	}{
		{"path with query", "/profile?tab=tokens", "/profile?tab=tokens"},
		{"none", "", "/profile"},
		{"absolute URL", "https://evil.example/", "/profile"},
		{"protocol-relative", "//evil.example", "/profile"},
		{"backslash", "/\\evil.example", "/profile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := start(t)

			resp, _ := b.login("/login?callback="+url.QueryEscape(tc.callback), "alice", "wonderland")
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tc.location, resp.Header.Get("Location"))
		})
	}
}

func TestLogout(t *testing.T) {
	b := start(t)
	resp, _ := b.login("/login", "alice", "wonderland")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loggedIn := b.sessionCookie()
	require.NotNil(t, loggedIn)

	resp, _ = b.do(http.MethodPost, "/logout", nil)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/login", resp.Header.Get("Location"))
	assert.Nil(t, b.sessionCookie(), "logout must expire the session cookie")

	resp, _ = b.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/login?callback=%2Fprofile", resp.Header.Get("Location"))

	// The session is gone on the server too: the old cookie no longer
	// logs anyone in.
	b.setSessionCookie(loggedIn.Value)
	resp, _ = b.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}
