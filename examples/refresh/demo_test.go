package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/strategies/refresh"
)

// demo is the demo app and its embedded provider, each on an httptest
// server, with a browser-like client that does not follow redirects.
type demo struct {
	t        *testing.T
	app      *httptest.Server
	provider *provider.Provider
	issuer   string
	client   *http.Client
	logs     *lockedWriter
	tokens   *tokenRecorder
}

func startDemo(t *testing.T, tokenTTL, window time.Duration) *demo {
	t.Helper()
	logs := &lockedWriter{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	tokens := &tokenRecorder{}

	appServer := httptest.NewUnstartedServer(nil)
	providerServer := httptest.NewUnstartedServer(nil)
	issuer := "http://" + providerServer.Listener.Addr().String()
	p, err := provider.New(provider.Config{
		Issuer:              issuer,
		RedirectURIs:        callbackURLs(appServer.Listener.Addr().String()),
		AccessTokenLifespan: tokenTTL,
		Logger:              logger,
	})
	require.NoError(t, err)
	providerServer.Config.Handler = tokens.wrap(p.Handler())
	providerServer.Start()
	t.Cleanup(providerServer.Close)

	a := newApp(appConfig{
		AuthURL:       issuer + "/oauth2/auth",
		TokenURL:      issuer + "/oauth2/token",
		UserinfoURL:   issuer + "/api/userinfo",
		APIURL:        issuer + "/api/data",
		ClientID:      "demo-app",
		ClientSecret:  "demo-secret",
		Scopes:        []string{"profile", "offline_access", "api"},
		RefreshWindow: window,
		Logger:        logger,
	})
	appServer.Config.Handler = a.Handler()
	appServer.Start()
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
	return &demo{t: t, app: appServer, provider: p, issuer: issuer, client: client, logs: logs, tokens: tokens}
}

// do sends a request and returns the response with its body read.
func (d *demo) do(method, target string, form url.Values, header ...string) (*http.Response, string) {
	d.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = d.app.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(d.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := d.client.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(d.t, err)
	return resp, string(b)
}

func (d *demo) passwordLogin(username, password string) *http.Response {
	d.t.Helper()
	resp, _ := d.do(http.MethodPost, "/login", url.Values{"username": {username}, "password": {password}})
	return resp
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// submitProviderForm posts the hidden fields of page plus extra to the
// provider page at pageURL, as the browser does.
func (d *demo) submitProviderForm(pageURL, page string, extra url.Values) (*http.Response, string) {
	d.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for k, v := range extra {
		form[k] = v
	}
	return d.do(http.MethodPost, pageURL, form)
}

// codeFlowLogin logs in through /oauth and the provider's login and
// consent pages, and returns the app's final response.
func (d *demo) codeFlowLogin(start, decision string) *http.Response {
	d.t.Helper()
	resp, _ := d.do(http.MethodGet, start, nil)
	require.Equal(d.t, http.StatusFound, resp.StatusCode)
	authURL := resp.Header.Get("Location")
	require.True(d.t, strings.HasPrefix(authURL, d.issuer+"/oauth2/auth?"), authURL)

	resp, page := d.do(http.MethodGet, authURL, nil)
	require.Equal(d.t, http.StatusOK, resp.StatusCode, page)
	resp, page = d.submitProviderForm(authURL, page, url.Values{"username": {"alice"}, "password": {"wonderland"}, "action": {"login"}})
	require.Equal(d.t, http.StatusOK, resp.StatusCode, page)
	require.Contains(d.t, page, "Allow access?")
	resp, _ = d.submitProviderForm(authURL, page, url.Values{"action": {decision}})
	require.Contains(d.t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode)
	callback := resp.Header.Get("Location")
	require.True(d.t, strings.HasPrefix(callback, d.app.URL+"/oauth/callback?"), callback)

	resp, _ = d.do(http.MethodGet, callback, nil)
	return resp
}

func TestDemoPasswordLogin(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp := d.passwordLogin("alice", "wonderland")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/profile", resp.Header.Get("Location"))

	resp, body := d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<span id="user">alice</span>`)
}

func TestDemoWrongPassword(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp, body := d.do(http.MethodPost, "/login", url.Values{"username": {"alice"}, "password": {"nope"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, body, "invalid username or password")
	assert.Contains(t, body, `value="alice"`)
}

func TestDemoCodeFlowLogin(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp := d.codeFlowLogin("/oauth", "allow")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/profile", resp.Header.Get("Location"))

	resp, body := d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<span id="user">alice</span>`)
	assert.Equal(t, int64(1), d.provider.Stats().AuthorizationCodeGrants)
}

func TestDemoCodeFlowReturnTo(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp := d.codeFlowLogin("/oauth?callback="+url.QueryEscape("/api/me?x=1"), "allow")
	assert.Equal(t, "/api/me?x=1", resp.Header.Get("Location"))
}

func TestDemoCodeFlowDenied(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp := d.codeFlowLogin("/oauth", "deny")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	resp, _ = d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}

func TestDemoRefreshOnExpiry(t *testing.T) {
	d := startDemo(t, 2*time.Second, refresh.AtExpiry)
	require.Equal(t, http.StatusSeeOther, d.passwordLogin("alice", "wonderland").StatusCode)

	resp, body := d.do(http.MethodGet, "/api/data", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, int64(0), d.provider.Stats().RefreshGrants)

	time.Sleep(2500 * time.Millisecond)
	resp, body = d.do(http.MethodGet, "/api/data", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &data))
	assert.Equal(t, "alice", data["user"])
	assert.Equal(t, int64(1), d.provider.Stats().RefreshGrants)

	resp, _ = d.do(http.MethodGet, "/api/data", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(1), d.provider.Stats().RefreshGrants)
}

func TestDemoUnauthenticated(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp, _ := d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/login?callback=%2Fprofile", resp.Header.Get("Location"))

	resp, body := d.do(http.MethodGet, "/api/data", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"error":"unauthorized","message":"authentication required"}`, body)
}

func TestDemoLoginReturnsToPage(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	resp, body := d.do(http.MethodGet, "/login?callback=%2Fprofile", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `action="/login?callback=%2Fprofile"`)

	resp, _ = d.do(http.MethodPost, "/login?callback=%2Fprofile", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	assert.Equal(t, "/profile", resp.Header.Get("Location"))

	resp, _ = d.do(http.MethodPost, "/login?callback=%2F%2Fevil.example", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	assert.Equal(t, "/profile", resp.Header.Get("Location"))

	resp, _ = d.do(http.MethodGet, "/login?callback=%2Fapi%2Fme", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/api/me", resp.Header.Get("Location"))
}

func TestDemoLogout(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	require.Equal(t, http.StatusSeeOther, d.passwordLogin("alice", "wonderland").StatusCode)
	appURL, _ := url.Parse(d.app.URL)
	oldCookies := d.client.Jar.Cookies(appURL)

	resp, _ := d.do(http.MethodPost, "/logout", url.Values{})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/login", resp.Header.Get("Location"))

	resp, _ = d.do(http.MethodGet, "/profile", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/login?callback=%2Fprofile", resp.Header.Get("Location"))

	// The old cookie, replayed, loads nothing.
	d.client.Jar.SetCookies(appURL, oldCookies)
	resp, _ = d.do(http.MethodGet, "/api/data", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestDemoLogsNoTokens(t *testing.T) {
	d := startDemo(t, 2*time.Second, refresh.AtExpiry)
	require.Equal(t, http.StatusSeeOther, d.passwordLogin("alice", "wonderland").StatusCode)
	time.Sleep(2500 * time.Millisecond)
	resp, _ := d.do(http.MethodGet, "/api/data", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, http.StatusSeeOther, d.codeFlowLogin("/oauth", "allow").StatusCode)

	tokens := d.tokens.list()
	require.GreaterOrEqual(t, len(tokens), 6, "access and refresh tokens of three token responses")
	logs := d.logs.String()
	require.Contains(t, logs, "outcome=refreshed")
	for _, token := range tokens {
		assert.NotContains(t, logs, token)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", o.addr)
	assert.Equal(t, "127.0.0.1:9096", o.providerAddr)
	assert.Equal(t, time.Minute, o.tokenTTL)
	assert.Equal(t, 10*time.Second, o.refreshWindow)

	_, err = parseFlags([]string{"-auth-url", "http://127.0.0.1:1/auth"})
	assert.Error(t, err)
	_, err = parseFlags([]string{"-token-ttl", "0s"})
	assert.Error(t, err)
}

func TestRunShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{addr: "127.0.0.1:0", providerAddr: "127.0.0.1:0", tokenTTL: time.Minute,
			refreshWindow: 10 * time.Second, clientID: "demo-app", clientSecret: "demo-secret", scopes: "profile"},
			slog.New(slog.DiscardHandler))
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// lockedWriter collects log output from concurrent handlers.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// tokenRecorder keeps the tokens that the provider's token endpoint issues.
type tokenRecorder struct {
	mu     sync.Mutex
	tokens []string
}

func (rec *tokenRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/token" {
			next.ServeHTTP(w, r)
			return
		}
		capture := httptest.NewRecorder()
		next.ServeHTTP(capture, r)
		var body struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(capture.Body.Bytes(), &body) == nil {
			rec.mu.Lock()
			for _, token := range []string{body.AccessToken, body.RefreshToken} {
				if token != "" {
					rec.tokens = append(rec.tokens, token)
				}
			}
			rec.mu.Unlock()
		}
		for k, v := range capture.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(capture.Code)
		_, _ = w.Write(capture.Body.Bytes())
	})
}

func (rec *tokenRecorder) list() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.tokens...)
}

func TestDemoReturnToKeepsBytes(t *testing.T) {
	d := startDemo(t, time.Minute, 10*time.Second)
	target := "/api/me?a=1&b=%2F#frag"
	resp, _ := d.do(http.MethodPost, "/login?callback="+url.QueryEscape(target), url.Values{"username": {"alice"}, "password": {"wonderland"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, target, resp.Header.Get("Location"))

	resp, _ = d.do(http.MethodGet, "/login?callback="+url.QueryEscape("/api//me?x=%2e"), nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/api//me?x=%2e", resp.Header.Get("Location"))
}
