package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/oauth2"
)

// Routes and names of the code-flow app.
const (
	codeFlowStart    = "/login/oauth"
	codeFlowCallback = "/oauth/callback"
	codeFlowHome     = "/home"
	codeFlowCookie   = "app_session"
	codeFlowReturnTo = "callback"
)

// codeFlowApp is an app that logs users in with the oauth2 strategy
// against the fosite provider, each on an httptest server. The provider
// requires PKCE with S256 and accepts only the app's callback URL.
type codeFlowApp struct {
	t        *testing.T
	provider *provider.Provider
	issuer   string
	server   *httptest.Server
	clock    *fakeClock
	strategy *oauth2.Strategy
	// client sends the app's requests to the provider: token requests
	// and the userinfo request of the profile loader.
	client *http.Client
}

func newCodeFlowApp(t *testing.T) *codeFlowApp {
	t.Helper()
	// Both servers listen before either is built, so that the provider
	// can register the app's callback URL and the app the issuer.
	appServer := httptest.NewUnstartedServer(nil)
	providerServer := httptest.NewUnstartedServer(nil)
	issuer := "http://" + providerServer.Listener.Addr().String()
	p, err := provider.New(provider.Config{
		Issuer:       issuer,
		RedirectURIs: []string{"http://" + appServer.Listener.Addr().String() + codeFlowCallback},
	})
	require.NoError(t, err)
	providerServer.Config.Handler = p.Handler()
	providerServer.Start()
	t.Cleanup(providerServer.Close)

	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	a := &codeFlowApp{
		t:        t,
		provider: p,
		issuer:   issuer,
		server:   appServer,
		clock:    &fakeClock{now: time.Now()},
		client:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
	}
	appServer.Config.Handler = a.handler()
	appServer.Start()
	t.Cleanup(appServer.Close)
	return a
}

// handler builds the authenticator, the strategy and the routes, wrapped
// in the session middleware.
func (a *codeFlowApp) handler() http.Handler {
	sessions := scs.New()
	sessions.Cookie.Name = codeFlowCookie
	sessions.Store = passport.GuardStore(memstore.NewWithCleanupInterval(0), sessions.Lifetime)

	auth := passport.New(sessions)
	auth.SerializeUser(serializeName)
	auth.DeserializeUser(deserializeName)
	a.strategy = oauth2.New(oauth2.Config{
		AuthorizationURL:  a.issuer + "/oauth2/auth",
		TokenURL:          a.issuer + "/oauth2/token",
		ClientID:          "demo-app",
		ClientSecret:      "demo-secret",
		CallbackURL:       codeFlowCallback,
		Scopes:            []string{"profile", "api"},
		HTTPClient:        a.client,
		ReturnToParameter: codeFlowReturnTo,
		ProfileLoader:     a.loadProfile,
		Now:               a.clock.Now,
	}, verifySubject)
	auth.Use("oauth", a.strategy)

	login := auth.With(passport.SuccessReturnToOrRedirect(codeFlowHome)).Authenticate("oauth")(http.NotFoundHandler())
	protected := auth.Authenticate("session")(http.HandlerFunc(showUser))
	mux := http.NewServeMux()
	mux.Handle("GET "+codeFlowStart, login)
	mux.Handle("GET "+codeFlowCallback, login)
	mux.Handle("GET /api/me", protected)
	mux.Handle("GET "+codeFlowHome, protected)
	return sessions.LoadAndSave(mux)
}

// loadProfile reads the user's subject from the provider's userinfo
// endpoint, so that a login proves that the issued access token works.
func (a *codeFlowApp) loadProfile(ctx context.Context, token *oauth2.Token) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.issuer+"/api/userinfo", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: unexpected status %d", resp.StatusCode)
	}
	var profile struct {
		Sub string `json:"sub"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&profile); err != nil {
		return nil, fmt.Errorf("userinfo: invalid body: %w", err)
	}
	return profile.Sub, nil
}

// verifySubject logs in the profile's subject, a username string.
func verifySubject(_ context.Context, _ *oauth2.Token, profile any) (any, *passport.Info, error) {
	name, _ := profile.(string)
	if name == "" {
		return nil, &passport.Info{Message: "profile has no subject"}, nil
	}
	return name, nil, nil
}

func serializeName(_ context.Context, user any) (string, error) {
	name, ok := user.(string)
	if !ok {
		return "", passport.ErrPass
	}
	return name, nil
}

func deserializeName(_ context.Context, id string) (any, error) {
	return id, nil
}

// showUser writes the logged-in user's name as JSON, or 401.
func showUser(w http.ResponseWriter, r *http.Request) {
	name, ok := passport.UserAs[string](r)
	if !ok {
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	writeJSON(w, map[string]string{"name": name})
}

// redirectURL is the absolute callback URL of the app.
func (a *codeFlowApp) redirectURL() string {
	return a.server.URL + codeFlowCallback
}

// tokenRequests returns how many requests the provider's token endpoint
// received.
func (a *codeFlowApp) tokenRequests() int64 {
	return a.provider.Stats().TokenRequests
}

// userAgent is one browser with its own cookie jar. It does not follow
// redirects, so each test checks every redirect itself.
type userAgent struct {
	t      *testing.T
	app    *codeFlowApp
	jar    http.CookieJar
	client *http.Client
}

func (a *codeFlowApp) newUserAgent() *userAgent {
	a.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(a.t, err)
	transport := &http.Transport{}
	a.t.Cleanup(transport.CloseIdleConnections)
	return &userAgent{t: a.t, app: a, jar: jar, client: &http.Client{
		Jar:       jar,
		Transport: transport,
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// do sends a request to target, an absolute URL or a path on the app,
// and returns the response with its body read. A non-nil form is sent as
// a form-encoded body.
func (ua *userAgent) do(method, target string, form url.Values) (*http.Response, string) {
	ua.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = ua.app.server.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(ua.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := ua.client.Do(req)
	require.NoError(ua.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(ua.t, err)
	return resp, string(b)
}

func (ua *userAgent) get(target string) (*http.Response, string) {
	ua.t.Helper()
	return ua.do(http.MethodGet, target, nil)
}

// start runs the first leg at path and returns the provider's
// authorization URL that it redirects to.
func (ua *userAgent) start(path string) string {
	ua.t.Helper()
	resp, body := ua.get(path)
	require.Equal(ua.t, http.StatusFound, resp.StatusCode, body)
	authURL := resp.Header.Get("Location")
	require.True(ua.t, strings.HasPrefix(authURL, ua.app.issuer+"/oauth2/auth?"), authURL)
	return authURL
}

// authorize signs in as alice on the provider's login page, presses the
// decision button ("allow" or "deny") on its consent page and returns the
// URL that the provider redirects back to, without visiting it.
func (ua *userAgent) authorize(authURL, decision string) string {
	ua.t.Helper()
	resp, page := ua.get(authURL)
	require.Equal(ua.t, http.StatusOK, resp.StatusCode, page)
	resp, page = ua.submitForm(authURL, page, url.Values{
		"username": {"alice"}, "password": {"wonderland"}, "action": {"login"},
	})
	require.Equal(ua.t, http.StatusOK, resp.StatusCode, page)
	require.Contains(ua.t, page, "Allow access?")

	resp, page = ua.submitForm(authURL, page, url.Values{"action": {decision}})
	require.Contains(ua.t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode, page)
	back := resp.Header.Get("Location")
	require.True(ua.t, strings.HasPrefix(back, ua.app.redirectURL()+"?"), back)
	return back
}

// login runs the whole flow from path with the decision "allow" and
// returns the callback URL and the app's response to it.
func (ua *userAgent) login(path string) (string, *http.Response) {
	ua.t.Helper()
	callback := ua.authorize(ua.start(path), "allow")
	resp, _ := ua.get(callback)
	return callback, resp
}

// hiddenInput matches the hidden fields of the provider's pages,
// form_token included.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// submitForm posts the hidden fields of page plus extra to pageURL, as a
// browser submits the provider's forms, which post back to their own URL.
func (ua *userAgent) submitForm(pageURL, page string, extra url.Values) (*http.Response, string) {
	ua.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for key, values := range extra {
		form[key] = values
	}
	return ua.do(http.MethodPost, pageURL, form)
}

// user returns the status of GET /api/me and the name it reports.
func (ua *userAgent) user() (int, string) {
	ua.t.Helper()
	resp, body := ua.get("/api/me")
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, ""
	}
	var me struct{ Name string }
	require.NoError(ua.t, json.Unmarshal([]byte(body), &me))
	return resp.StatusCode, me.Name
}

// sessionCookie returns the value of the app's session cookie in the jar,
// or "".
func (ua *userAgent) sessionCookie() string {
	ua.t.Helper()
	appURL, err := url.Parse(ua.app.server.URL)
	require.NoError(ua.t, err)
	for _, c := range ua.jar.Cookies(appURL) {
		if c.Name == codeFlowCookie {
			return c.Value
		}
	}
	return ""
}

// dropSessionCookie removes the app's session cookie from the jar, as a
// browser that lost it would.
func (ua *userAgent) dropSessionCookie() {
	ua.t.Helper()
	appURL, err := url.Parse(ua.app.server.URL)
	require.NoError(ua.t, err)
	ua.jar.SetCookies(appURL, []*http.Cookie{{Name: codeFlowCookie, Path: "/", MaxAge: -1}})
	require.Empty(ua.t, ua.sessionCookie())
}

// queryParam returns the value of the query parameter key of rawURL.
func queryParam(t *testing.T, rawURL, key string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Query().Get(key)
}

// withQuery returns rawURL with its query changed by edit.
func withQuery(t *testing.T, rawURL string, edit func(url.Values)) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	query := u.Query()
	edit(query)
	u.RawQuery = query.Encode()
	return u.String()
}
