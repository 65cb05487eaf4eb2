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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// fixationApp serves the three login paths against the fosite provider:
// a local password form checked by the app, the password grant through
// the refresh strategy, and the authorization code flow.
type fixationApp struct {
	t        *testing.T
	server   *httptest.Server
	issuer   string
	sessions *scs.SessionManager
	auth     *passport.Authenticator
}

func newFixationApp(t *testing.T) *fixationApp {
	t.Helper()
	appServer := httptest.NewUnstartedServer(nil)
	appURL := "http://" + appServer.Listener.Addr().String()
	p, err := provider.New(provider.Config{RedirectURIs: []string{appURL + "/oauth/callback"}})
	require.NoError(t, err)
	providerServer := httptest.NewServer(p.Handler())
	t.Cleanup(providerServer.Close)

	a := &fixationApp{t: t, issuer: providerServer.URL, sessions: scs.New()}
	a.sessions.Store = passport.GuardStore(memstore.NewWithCleanupInterval(0), a.sessions.Lifetime)
	a.auth = passport.New(a.sessions)
	a.auth.SerializeUser(refresh.SerializeUser)
	a.auth.DeserializeUser(refresh.DeserializeUser)
	a.register()

	appServer.Config.Handler = a.sessions.LoadAndSave(a.routes())
	appServer.Start()
	t.Cleanup(appServer.Close)
	a.server = appServer
	return a
}

// register adds the strategies: "form" checks the password itself, while
// "local" and "oauth" log in through the refresh strategy.
func (a *fixationApp) register() {
	strategy := refresh.New(refresh.Config{AuthenticationURL: "/login"})
	a.auth.Use("main", strategy)
	oauthStrategy := oauth2.New(oauth2.Config{
		AuthorizationURL: a.issuer + "/oauth2/auth",
		TokenURL:         a.issuer + "/oauth2/token",
		ClientID:         "demo-app",
		ClientSecret:     "demo-secret",
		CallbackURL:      "/oauth/callback",
		Scopes:           []string{"profile", "offline_access", "api"},
		ProfileLoader:    a.loadProfile,
	}, strategy.OAuth2StrategyCallback())
	a.auth.Use("oauth", oauthStrategy)
	strategy.UseOAuth2Strategy(oauthStrategy)
	a.auth.Use("local", local.New(local.Config{}, strategy.LocalStrategyCallback()))
	a.auth.Use("form", local.New(local.Config{}, checkFormPassword))
}

func checkFormPassword(_ context.Context, username, password string) (any, *passport.Info, error) {
	if username == "alice" && password == "wonderland" {
		return &refresh.User{Name: username}, nil, nil
	}
	return nil, nil, nil
}

func (a *fixationApp) routes() http.Handler {
	mux := http.NewServeMux()
	login := a.auth.With(passport.SuccessRedirect("/whoami"))
	done := http.NotFoundHandler()
	mux.Handle("POST /login/form", login.Authenticate("form")(done))
	mux.Handle("POST /login", login.Authenticate("local")(done))
	mux.Handle("GET /oauth", login.Authenticate("oauth")(done))
	mux.Handle("GET /oauth/callback", login.Authenticate("oauth")(done))
	mux.HandleFunc("GET /visit", func(w http.ResponseWriter, r *http.Request) {
		a.sessions.Put(r.Context(), "visited", "yes")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET /whoami", a.auth.AuthenticateCallback(a.whoami, "session"))
	return mux
}

// whoamiBody is what /whoami returns: the session's user, if any, and
// the value that /visit stored before the login.
type whoamiBody struct {
	User    string `json:"user"`
	Visited string `json:"visited"`
}

func (a *fixationApp) whoami(w http.ResponseWriter, r *http.Request, res passport.Result) {
	var body whoamiBody
	if user, ok := res.User.(*refresh.User); ok {
		body.User = user.Name
	}
	body.Visited = a.sessions.GetString(r.Context(), "visited")
	writeJSON(w, body)
}

// loadProfile reads the provider's userinfo endpoint, so that code-flow
// logins get a user name.
func (a *fixationApp) loadProfile(ctx context.Context, token *oauth2.Token) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.issuer+"/api/userinfo", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: unexpected status %d", resp.StatusCode)
	}
	var profile map[string]any
	return profile, json.NewDecoder(resp.Body).Decode(&profile)
}

// fixationAgent is one user agent of a fixationApp, with its own cookie jar.
type fixationAgent struct {
	a      *fixationApp
	jar    *cookiejar.Jar
	client *http.Client
}

func (a *fixationApp) newAgent() *fixationAgent {
	jar, err := cookiejar.New(nil)
	require.NoError(a.t, err)
	client := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	a.t.Cleanup(client.CloseIdleConnections)
	return &fixationAgent{a: a, jar: jar, client: client}
}

func (g *fixationAgent) appURL() *url.URL {
	u, err := url.Parse(g.a.server.URL)
	require.NoError(g.a.t, err)
	return u
}

// sessionToken returns the value of the agent's session cookie, or "".
func (g *fixationAgent) sessionToken() string {
	for _, cookie := range g.jar.Cookies(g.appURL()) {
		if cookie.Name == g.a.sessions.Cookie.Name {
			return cookie.Value
		}
	}
	return ""
}

// plantToken puts token into the agent's jar, as an attacker who fixes a
// victim's session does.
func (g *fixationAgent) plantToken(token string) {
	cookie := &http.Cookie{Name: g.a.sessions.Cookie.Name, Value: token, Path: "/"}
	g.jar.SetCookies(g.appURL(), []*http.Cookie{cookie})
}

// do sends a request and returns the response and its body.
func (g *fixationAgent) do(method, target string, form url.Values) (*http.Response, string) {
	g.a.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = g.a.server.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(g.a.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := g.client.Do(req)
	require.NoError(g.a.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(g.a.t, err)
	return resp, string(data)
}

func (g *fixationAgent) whoami() whoamiBody {
	g.a.t.Helper()
	resp, body := g.do(http.MethodGet, "/whoami", nil)
	require.Equal(g.a.t, http.StatusOK, resp.StatusCode, body)
	var identity whoamiBody
	require.NoError(g.a.t, json.Unmarshal([]byte(body), &identity))
	return identity
}

var providerHiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// submitProviderPage posts the hidden fields of page plus extra back to
// the provider page at pageURL.
func (g *fixationAgent) submitProviderPage(pageURL, page string, extra url.Values) (*http.Response, string) {
	form := url.Values{}
	for _, m := range providerHiddenInput.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for key, values := range extra {
		form[key] = values
	}
	return g.do(http.MethodPost, pageURL, form)
}

// The login paths. Each returns the response that completes the login.
func (g *fixationAgent) formLogin() *http.Response {
	resp, _ := g.do(http.MethodPost, "/login/form", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	return resp
}

func (g *fixationAgent) passwordGrantLogin() *http.Response {
	resp, _ := g.do(http.MethodPost, "/login", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	return resp
}

func (g *fixationAgent) codeFlowLogin() *http.Response {
	return g.finishCodeFlow(g.startCodeFlow())
}

// startCodeFlow runs the first leg and returns the authorization URL.
func (g *fixationAgent) startCodeFlow() string {
	resp, _ := g.do(http.MethodGet, "/oauth", nil)
	require.Equal(g.a.t, http.StatusFound, resp.StatusCode)
	return resp.Header.Get("Location")
}

// finishCodeFlow logs in and allows access on the provider's pages, then
// requests the callback.
func (g *fixationAgent) finishCodeFlow(authURL string) *http.Response {
	t := g.a.t
	resp, page := g.do(http.MethodGet, authURL, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	resp, page = g.submitProviderPage(authURL, page, url.Values{"username": {"alice"}, "password": {"wonderland"}, "action": {"login"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	resp, _ = g.submitProviderPage(authURL, page, url.Values{"action": {"allow"}})
	callback := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(callback, g.a.server.URL+"/oauth/callback?"), callback)
	resp, _ = g.do(http.MethodGet, callback, nil)
	return resp
}

func TestLoginRenewsSessionToken(t *testing.T) {
	tests := []struct {
		name   string
		login  func(*fixationAgent) *http.Response
		status int
	}{
		{name: "local password form", login: (*fixationAgent).formLogin, status: http.StatusSeeOther},
		{name: "password grant", login: (*fixationAgent).passwordGrantLogin, status: http.StatusSeeOther},
		{name: "code flow", login: (*fixationAgent).codeFlowLogin, status: http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFixationApp(t)
			attacker := a.newAgent()
			resp, _ := attacker.do(http.MethodGet, "/visit", nil)
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
			fixed := attacker.sessionToken()
			require.NotEmpty(t, fixed)

			victim := a.newAgent()
			victim.plantToken(fixed)
			resp = tt.login(victim)

			require.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "/whoami", resp.Header.Get("Location"))
			renewed := victim.sessionToken()
			assert.NotEmpty(t, renewed)
			assert.NotEqual(t, fixed, renewed, "the login kept the planted token")
			assert.Equal(t, whoamiBody{User: "alice", Visited: "yes"}, victim.whoami(), "the login keeps the session's data")

			// The planted token loads nothing: no user, no data.
			assert.Equal(t, whoamiBody{}, attacker.whoami())
			_, found, err := a.sessions.Store.Find(fixed)
			require.NoError(t, err)
			assert.False(t, found, "the store still has the planted token")
		})
	}
}

func TestCodeFlowRenewsFlowToken(t *testing.T) {
	a := newFixationApp(t)
	g := a.newAgent()
	authURL := g.startCodeFlow()
	flowToken := g.sessionToken()
	require.NotEmpty(t, flowToken, "the first leg stores the flow in the session")

	resp := g.finishCodeFlow(authURL)

	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.NotEqual(t, flowToken, g.sessionToken())
	_, found, err := a.sessions.Store.Find(flowToken)
	require.NoError(t, err)
	assert.False(t, found, "the token that carried the flow still loads")
}

func TestStaleCommitOfOldToken(t *testing.T) {
	a := newFixationApp(t)
	g := a.newAgent()
	resp, _ := g.do(http.MethodGet, "/visit", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	fixed := g.sessionToken()
	// A request loads the session before the login and commits its copy
	// after it.
	stale, err := a.sessions.Load(context.Background(), fixed)
	require.NoError(t, err)
	require.Equal(t, "yes", a.sessions.GetString(stale, "visited"))

	require.Equal(t, http.StatusSeeOther, g.formLogin().StatusCode)
	a.sessions.Put(stale, "visited", "again")
	_, _, err = a.sessions.Commit(stale)
	require.NoError(t, err)

	_, found, err := a.sessions.Store.Find(fixed)
	require.NoError(t, err)
	assert.False(t, found, "the stale commit brought the old token back")
	g.plantToken(fixed)
	assert.Equal(t, whoamiBody{}, g.whoami())
}
