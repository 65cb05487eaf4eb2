package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newBrowser returns a copy of d with its own empty cookie jar, as a
// second user agent of the same demo.
func (d *demo) newBrowser() *demo {
	d.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(d.t, err)
	other := *d
	client := *d.client
	client.Jar = jar
	other.client = &client
	return &other
}

// providerCallback starts a flow at start, logs in and decides on the
// provider's pages, and returns the callback URL without requesting it.
func (d *demo) providerCallback(start, decision string) string {
	d.t.Helper()
	resp, _ := d.do(http.MethodGet, start, nil)
	require.Equal(d.t, http.StatusFound, resp.StatusCode)
	authURL := resp.Header.Get("Location")

	resp, page := d.do(http.MethodGet, authURL, nil)
	require.Equal(d.t, http.StatusOK, resp.StatusCode, page)
	resp, page = d.submitProviderForm(authURL, page, url.Values{"username": {"alice"}, "password": {"wonderland"}, "action": {"login"}})
	require.Equal(d.t, http.StatusOK, resp.StatusCode, page)
	resp, _ = d.submitProviderForm(authURL, page, url.Values{"action": {decision}})
	callback := resp.Header.Get("Location")
	require.True(d.t, strings.HasPrefix(callback, d.app.URL+"/oauth/callback?"), callback)
	return callback
}

// loggedIn reports whether the browser's session has a logged-in user.
func (d *demo) loggedIn() bool {
	d.t.Helper()
	resp, _ := d.do(http.MethodGet, "/api/me", nil)
	return resp.StatusCode == http.StatusOK
}

// setQuery returns target with the query parameter name replaced by
// values, or removed when values is empty.
func setQuery(t *testing.T, target, name string, values ...string) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	query := u.Query()
	query.Del(name)
	for _, v := range values {
		query.Add(name, v)
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// queryValue returns the first value of the query parameter name of target.
func queryValue(t *testing.T, target, name string) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	return u.Query().Get(name)
}

// visibleText returns the text of an HTML page without its head, tags and
// repeated white space, so that a failed check prints a short page.
func visibleText(page string) string {
	if i := strings.Index(page, "<body"); i >= 0 {
		page = page[i:]
	}
	return strings.Join(strings.Fields(htmlTag.ReplaceAllString(page, " ")), " ")
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// assertPageContains checks that page contains text.
func assertPageContains(t *testing.T, page, text string) {
	t.Helper()
	assert.True(t, strings.Contains(page, text), "page does not contain %q; its text: %s", text, visibleText(page))
}

// assertPageLacks checks that page does not contain text.
func assertPageLacks(t *testing.T, page, text string) {
	t.Helper()
	i := strings.Index(page, text)
	if i < 0 {
		return
	}
	start, end := max(0, i-80), min(len(page), i+len(text)+80)
	assert.Fail(t, "page contains "+strconv.Quote(text), "around it: %q", page[start:end])
}

func TestDemoCallbackFailures(t *testing.T) {
	const stateMessage = "invalid or expired state: start the login again"
	tests := []struct {
		name     string
		callback func(t *testing.T, d *demo) string
		status   int
		message  string
	}{
		{name: "unknown state", status: http.StatusForbidden, message: stateMessage,
			callback: func(t *testing.T, d *demo) string {
				return setQuery(t, d.providerCallback("/oauth", "allow"), "state", "forged")
			}},
		{name: "missing state", status: http.StatusForbidden, message: stateMessage,
			callback: func(t *testing.T, d *demo) string {
				return setQuery(t, d.providerCallback("/oauth", "allow"), "state")
			}},
		{name: "invalid UTF-8 state", status: http.StatusForbidden, message: stateMessage,
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				return d.app.URL + "/oauth/callback?code=" + url.QueryEscape(queryValue(t, callback, "code")) + "&state=%ff%fe%00"
			}},
		{name: "dropped oldest flow", status: http.StatusForbidden, message: stateMessage,
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				for range 10 {
					resp, _ := d.do(http.MethodGet, "/oauth", nil)
					require.Equal(t, http.StatusFound, resp.StatusCode)
				}
				return callback
			}},
		{name: "lost session cookie", status: http.StatusForbidden, message: stateMessage,
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				jar, err := cookiejar.New(nil)
				require.NoError(t, err)
				d.client.Jar = jar
				return callback
			}},
		{name: "provider error", status: http.StatusBadRequest, message: "server_error: the provider failed",
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				query := url.Values{"error": {"server_error"}, "error_description": {"the provider failed"}, "state": {queryValue(t, callback, "state")}}
				return d.app.URL + "/oauth/callback?" + query.Encode()
			}},
		{name: "denied consent", status: http.StatusForbidden, message: "access_denied",
			callback: func(t *testing.T, d *demo) string {
				return d.providerCallback("/oauth", "deny")
			}},
		{name: "huge error description", status: http.StatusBadRequest, message: "invalid_request: " + strings.Repeat("d", 100),
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				query := url.Values{"error": {"invalid_request"}, "error_description": {strings.Repeat("d", 100<<10)}, "state": {queryValue(t, callback, "state")}}
				return d.app.URL + "/oauth/callback?" + query.Encode()
			}},
		{name: "markup in error description", status: http.StatusForbidden, message: "access_denied: &lt;script&gt;alert(1)&lt;/script&gt;",
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				query := url.Values{"error": {"access_denied"}, "error_description": {"<script>alert(1)</script>\r\nSet-Cookie: a=1"}, "state": {queryValue(t, callback, "state")}}
				return d.app.URL + "/oauth/callback?" + query.Encode()
			}},
		{name: "missing code", status: http.StatusBadRequest, message: "missing authorization code",
			callback: func(t *testing.T, d *demo) string {
				return setQuery(t, d.providerCallback("/oauth", "allow"), "code")
			}},
		{name: "wrong code", status: http.StatusUnauthorized, message: "authorization failed: invalid_grant",
			callback: func(t *testing.T, d *demo) string {
				return setQuery(t, d.providerCallback("/oauth", "allow"), "code", "not-a-code")
			}},
		{name: "code of another browser", status: http.StatusUnauthorized, message: "authorization failed: invalid_grant",
			callback: func(t *testing.T, d *demo) string {
				stolen := queryValue(t, d.newBrowser().providerCallback("/oauth", "allow"), "code")
				return setQuery(t, d.providerCallback("/oauth", "allow"), "code", stolen)
			}},
		{name: "oversized code", status: http.StatusUnauthorized, message: "authorization failed: invalid_request",
			callback: func(t *testing.T, d *demo) string {
				return setQuery(t, d.providerCallback("/oauth", "allow"), "code", strings.Repeat("c", 200<<10))
			}},
		{name: "repeated state", status: http.StatusBadRequest, message: "invalid callback: repeated parameter state",
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				return setQuery(t, callback, "state", "forged", queryValue(t, callback, "state"))
			}},
		{name: "repeated code", status: http.StatusBadRequest, message: "invalid callback: repeated parameter code",
			callback: func(t *testing.T, d *demo) string {
				callback := d.providerCallback("/oauth", "allow")
				return setQuery(t, callback, "code", queryValue(t, callback, "code"), "other")
			}},
		{name: "garbage query", status: http.StatusBadRequest, message: "missing authorization code",
			callback: func(t *testing.T, d *demo) string {
				return d.app.URL + "/oauth/callback?code=%zz&state=%&;;&&==&code"
			}},
		{name: "query over the header limit", status: http.StatusRequestHeaderFieldsTooLarge,
			callback: func(t *testing.T, d *demo) string {
				return d.app.URL + "/oauth/callback?state=" + strings.Repeat("s", 2<<20)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startDemo(t, time.Minute, 10*time.Second)
			callback := tt.callback(t, d)

			resp, body := d.do(http.MethodGet, callback, nil)

			assert.Equal(t, tt.status, resp.StatusCode)
			assertPageContains(t, body, tt.message)
			assertPageLacks(t, body, "<script>")
			assert.False(t, d.loggedIn(), "the failed callback logged the browser in")
		})
	}
}

func TestDemoCallbackBoundsMessage(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	callback := d.providerCallback("/oauth", "allow")
	query := url.Values{"error": {"invalid_request"}, "error_description": {strings.Repeat("d", 100<<10)}, "state": {queryValue(t, callback, "state")}}

	resp, body := d.do(http.MethodGet, "/oauth/callback?"+query.Encode(), nil)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assertPageContains(t, body, strings.Repeat("d", 150))
	assertPageLacks(t, body, strings.Repeat("d", 201))
	assert.NotContains(t, d.logs.String(), strings.Repeat("d", 201))
}

func TestDemoCallbackReplay(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	callback := d.providerCallback("/oauth", "allow")
	resp, _ := d.do(http.MethodGet, callback, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = d.do(http.MethodPost, "/logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp, body := d.do(http.MethodGet, callback, nil)

	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assertPageContains(t, body, "invalid or expired state")
	assert.False(t, d.loggedIn())
	assert.Equal(t, int64(1), d.provider.Stats().AuthorizationCodeGrants)
}

// hostileCallbacks are callback parameters that must never become a
// redirect target or reach the login page.
var hostileCallbacks = []string{
	"//evil.example/",
	"https://evil.example/",
	`/\evil.example`,
	"javascript:alert(1)",
	"/%2F%2Fevil.example",
	"/\tevil.example",
}

func TestDemoReturnToHostile(t *testing.T) {
	for _, callback := range hostileCallbacks {
		t.Run(callback, func(t *testing.T) {
			d := startDemo(t, time.Minute, 10*time.Second)
			query := "?callback=" + url.QueryEscape(callback)

			resp, body := d.do(http.MethodGet, "/login"+query, nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assertPageLacks(t, body, "evil.example")
			assertPageLacks(t, body, "javascript")

			resp, _ = d.do(http.MethodPost, "/login"+query, url.Values{"username": {"alice"}, "password": {"wonderland"}})
			assert.Equal(t, "/profile", resp.Header.Get("Location"), "password login")

			resp, _ = d.do(http.MethodGet, "/login"+query, nil)
			assert.Equal(t, "/profile", resp.Header.Get("Location"), "login page when logged in")

			resp = d.codeFlowLogin("/oauth"+query, "allow")
			assert.Equal(t, "/profile", resp.Header.Get("Location"), "code flow")
		})
	}
}

func TestDemoCallbackParameterRoundTrip(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp, _ := d.do(http.MethodGet, "/profile?tab=a%2Fb&x=1", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loginURL := resp.Header.Get("Location")
	require.Equal(t, "/profile?tab=a%2Fb&x=1", queryValue(t, loginURL, "callback"))

	resp, page := d.do(http.MethodGet, loginURL, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assertPageContains(t, page, `action="/login?callback=%2Fprofile%3Ftab%3Da%252Fb%26x%3D1"`)
	resp, _ = d.do(http.MethodPost, loginURL, url.Values{"username": {"alice"}, "password": {"wonderland"}})

	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/profile?tab=a%2Fb&x=1", resp.Header.Get("Location"))
}

func TestDemoLoginBodyLimit(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	// The username lies past the local strategy's 64 KiB limit.
	form := url.Values{"password": {"wonderland"}, "pad": {strings.Repeat("x", 1<<20)}, "username": {"mallory"}}

	resp, body := d.do(http.MethodPost, "/login", form)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assertPageContains(t, body, "request body too large")
	assertPageLacks(t, body, "mallory")
	assert.NotContains(t, d.logs.String(), "mallory")
	assert.False(t, d.loggedIn())
}

func TestDemoMissingCredentials(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)

	resp, body := d.do(http.MethodPost, "/login", url.Values{"username": {"alice"}})

	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assertPageContains(t, body, "missing credentials")
	assertPageContains(t, body, `value="alice"`)
}

func TestDemoSessionCookie(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)

	resp, _ := d.do(http.MethodGet, "/oauth", nil)

	require.Equal(t, http.StatusFound, resp.StatusCode)
	cookies := resp.Cookies()
	require.Len(t, cookies, 1)
	assert.Equal(t, "demo_session", cookies[0].Name)
	assert.True(t, cookies[0].HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, cookies[0].SameSite)
	assert.False(t, cookies[0].Secure, "plain HTTP")
}

func TestDemoSessionCookieOverTLS(t *testing.T) {
	// The first leg only builds the provider's URL, so nothing listens
	// on the provider address.
	a := newApp(appConfig{
		AuthURL:  "http://127.0.0.1:9/oauth2/auth",
		TokenURL: "http://127.0.0.1:9/oauth2/token",
		APIURL:   "http://127.0.0.1:9/api/data",
		ClientID: "demo-app",
		Logger:   slog.New(slog.DiscardHandler),
	})
	server := httptest.NewTLSServer(a.Handler())
	defer server.Close()
	client := server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, err := client.Get(server.URL + "/oauth")
	require.NoError(t, err)
	resp.Body.Close()

	require.Equal(t, http.StatusFound, resp.StatusCode)
	cookies := resp.Cookies()
	require.Len(t, cookies, 1)
	assert.True(t, cookies[0].Secure)
	assert.True(t, cookies[0].HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, cookies[0].SameSite)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "http://127.0.0.1:9/oauth2/auth?"))
	assert.Contains(t, resp.Header.Get("Location"), url.QueryEscape("https://"+server.Listener.Addr().String()+"/oauth/callback"))
}

// responseRecorder keeps every response header and body that a client
// receives.
type responseRecorder struct {
	base http.RoundTripper

	mu        sync.Mutex
	responses []string
}

func (rec *responseRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rec.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var headers strings.Builder
	_ = resp.Header.Write(&headers)
	rec.mu.Lock()
	rec.responses = append(rec.responses, req.URL.String()+"\n"+headers.String()+"\n"+string(body))
	rec.mu.Unlock()
	return resp, nil
}

func (rec *responseRecorder) all() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.responses...)
}

func TestDemoResponsesHideTokens(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	recorder := &responseRecorder{base: http.DefaultTransport}
	d.client.Transport = recorder

	require.Equal(t, http.StatusSeeOther, d.passwordLogin("alice", "wonderland").StatusCode)
	for _, path := range []string{"/profile", "/api/me", "/api/data", "/login?callback=%2Fapi%2Fme"} {
		resp, body := d.do(http.MethodGet, path, nil)
		require.Less(t, resp.StatusCode, http.StatusBadRequest, "%s: %s", path, body)
	}
	require.Equal(t, http.StatusSeeOther, d.codeFlowLogin("/oauth", "allow").StatusCode)
	resp, body := d.do(http.MethodGet, "/api/me", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var me map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &me))
	assert.ElementsMatch(t, []string{"user", "expiry"}, slices.Collect(maps.Keys(me)))
	resp, _ = d.do(http.MethodPost, "/logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = d.do(http.MethodGet, "/api/data", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	tokens := d.tokens.list()
	require.GreaterOrEqual(t, len(tokens), 4, "access and refresh tokens of two logins")
	responses := recorder.all()
	require.NotEmpty(t, responses)
	for _, response := range responses {
		for _, token := range tokens {
			assert.NotContains(t, response, token)
		}
	}
	for _, token := range tokens {
		assert.NotContains(t, d.logs.String(), token)
	}
}

func TestDemoRejectsCrossOriginLogin(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	form := url.Values{"username": {"alice"}, "password": {"wonderland"}}

	resp, _ := d.do(http.MethodPost, "/login", form, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = d.do(http.MethodPost, "/login", form, "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode, "no login happened")

	resp, _ = d.do(http.MethodPost, "/login", form, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = d.do(http.MethodPost, "/logout", url.Values{}, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "still logged in")
}

func TestDemoHeadProfile(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp, _ := d.do(http.MethodHead, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}
