package refresh_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

const (
	testClientID     = "app"
	testClientSecret = "app-secret"
	testUser         = "alice"
	testPassword     = "wonderland"
)

// testStart is the time on the fake clocks when a test begins. It lies in
// the past on purpose: stores measure record expiry by the wall clock,
// whatever the strategy's clock reads.
var testStart = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is the Now of both the refresh and the oauth2 configuration.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: testStart} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to testStart plus d.
func (c *fakeClock) Set(d time.Duration) {
	c.mu.Lock()
	c.now = testStart.Add(d)
	c.mu.Unlock()
}

// tokenCall is one request that the token endpoint received.
type tokenCall struct {
	GrantType        string
	RefreshToken     string
	Username         string
	Password         string
	HasBasic         bool
	BasicUser        string
	BasicPassword    string
	FormClientID     string
	FormClientSecret string
	HasFormSecret    bool
}

// provider is a token endpoint that issues numbered tokens: the n-th
// response carries access-n and, where it sends one, refresh-n.
type provider struct {
	server *httptest.Server
	client *http.Client

	mu     sync.Mutex
	calls  []tokenCall
	issued int
	valid  map[string]bool
	// expiresIn is the expires_in field of each response, or nil to leave
	// it out.
	expiresIn any
	// rotate makes refresh responses carry a new refresh token and revokes
	// the one sent.
	rotate bool
	// noRefreshToken leaves the refresh token out of password grants.
	noRefreshToken bool
	// before runs before each response, outside the lock, to delay or hold
	// it.
	before func(r *http.Request)
	// fault, when set, writes the response instead of issuing tokens.
	fault http.HandlerFunc
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{valid: make(map[string]bool), expiresIn: 3600}
	p.server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.server.Close)
	p.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(p.client.CloseIdleConnections)
	return p
}

func (p *provider) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid form", http.StatusBadRequest)
		return
	}
	call := newTokenCall(r)
	p.mu.Lock()
	p.calls = append(p.calls, call)
	before, fault := p.before, p.fault
	p.mu.Unlock()

	if before != nil {
		before(r)
	}
	if fault != nil {
		fault(w, r)
		return
	}
	p.respond(w, call)
}

func newTokenCall(r *http.Request) tokenCall {
	user, password, hasBasic := r.BasicAuth()
	_, hasFormSecret := r.PostForm["client_secret"]
	return tokenCall{
		GrantType:        r.PostForm.Get("grant_type"),
		RefreshToken:     r.PostForm.Get("refresh_token"),
		Username:         r.PostForm.Get("username"),
		Password:         r.PostForm.Get("password"),
		HasBasic:         hasBasic,
		BasicUser:        user,
		BasicPassword:    password,
		FormClientID:     r.PostForm.Get("client_id"),
		FormClientSecret: r.PostForm.Get("client_secret"),
		HasFormSecret:    hasFormSecret,
	}
}

// respond checks the client and the grant, then issues tokens.
func (p *provider) respond(w http.ResponseWriter, call tokenCall) {
	p.mu.Lock()
	defer p.mu.Unlock()

	basicOK := call.HasBasic && call.BasicUser == testClientID && call.BasicPassword == testClientSecret
	formOK := call.FormClientID == testClientID && call.FormClientSecret == testClientSecret
	if !basicOK && !formOK {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}

	switch call.GrantType {
	case "password":
		if call.Username != testUser || call.Password != testPassword {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
		writeJSON(w, http.StatusOK, p.issue(!p.noRefreshToken))
	case "refresh_token":
		if !p.valid[call.RefreshToken] {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
		if p.rotate {
			delete(p.valid, call.RefreshToken)
		}
		writeJSON(w, http.StatusOK, p.issue(p.rotate))
	case "authorization_code":
		writeJSON(w, http.StatusOK, p.issue(true))
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
	}
}

// issue returns the next token response. The caller holds p.mu.
func (p *provider) issue(withRefreshToken bool) map[string]any {
	p.issued++
	body := map[string]any{
		"access_token": fmt.Sprintf("access-%d", p.issued),
		"token_type":   "Bearer",
	}
	if withRefreshToken {
		refreshToken := fmt.Sprintf("refresh-%d", p.issued)
		p.valid[refreshToken] = true
		body["refresh_token"] = refreshToken
	}
	if p.expiresIn != nil {
		body["expires_in"] = p.expiresIn
	}
	return body
}

// configure changes the provider's behaviour under its lock.
func (p *provider) configure(change func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change(p)
}

// revoke makes the provider reject refreshToken with invalid_grant.
func (p *provider) revoke(refreshToken string) {
	p.configure(func(p *provider) { delete(p.valid, refreshToken) })
}

func (p *provider) received() []tokenCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]tokenCall(nil), p.calls...)
}

func (p *provider) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// refreshCalls returns the refresh tokens of the refresh requests, in order.
func (p *provider) refreshCalls() []string {
	var tokens []string
	for _, call := range p.received() {
		if call.GrantType == "refresh_token" {
			tokens = append(tokens, call.RefreshToken)
		}
	}
	return tokens
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// recordingStore is a refresh.Store that counts commits and fails on
// request.
type recordingStore struct {
	refresh.Store

	mu      sync.Mutex
	commits int
	err     error
}

func (s *recordingStore) Find(key string) ([]byte, bool, error) {
	if err := s.failure(); err != nil {
		return nil, false, err
	}
	return s.Store.Find(key)
}

func (s *recordingStore) Commit(key string, record []byte, expiry time.Time) error {
	if err := s.failure(); err != nil {
		return err
	}
	err := s.Store.Commit(key, record, expiry)
	s.mu.Lock()
	s.commits++
	s.mu.Unlock()
	return err
}

// fail makes every later Find and Commit return err. A nil err ends the
// fault.
func (s *recordingStore) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *recordingStore) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *recordingStore) commitCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}

// eventLog collects the events of Config.OnRefresh.
type eventLog struct {
	mu     sync.Mutex
	events []refresh.RefreshEvent
}

func (l *eventLog) add(e refresh.RefreshEvent) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) all() []refresh.RefreshEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]refresh.RefreshEvent(nil), l.events...)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// setup holds the configurations that newApp builds the strategies from.
// Options of newApp change it before anything is built.
type setup struct {
	refresh  refresh.Config
	oauth2   oauth2.Config
	noOAuth2 bool
	// sessionStore, when set, replaces the session manager's store, so
	// that two apps can share sessions as two processes would.
	sessionStore scs.Store
}

// app is a web application served over real HTTP, with the refresh
// strategy registered as "main" and the local strategy as "local".
//
// Routes, all inside the session middleware:
//
//	POST /login           local login, 303 to /profile on success
//	GET  /login           the login page, itself behind "main"
//	GET  /profile         "main": writes the user name and the access token
//	GET  /api/data        "main" with NoRedirect: JSON of the same
//	GET  /call            "main": calls the resource server with Strategy.Client
//	GET  /auth            starts the authorization code flow of "oauth"
//	GET  /oauth/callback  ends that flow, 303 to /profile on success
//	POST /logout          Authenticator.Logout, then 204
//	GET  /keys            no authentication: session keys, value types, values
type app struct {
	t        *testing.T
	clock    *fakeClock
	provider *provider
	strategy *refresh.Strategy
	auth     *passport.Authenticator
	sessions *scs.SessionManager
	server   *httptest.Server
	client   *http.Client
	store    *recordingStore
	logs     *syncBuffer
	events   *eventLog

	mu sync.Mutex
	// resourceURL is the target of GET /call.
	resourceURL string
	// beforeCall runs in GET /call before the resource server is called.
	beforeCall func()
}

func newApp(t *testing.T, options ...func(*setup)) *app {
	t.Helper()
	a := &app{
		t:        t,
		clock:    newFakeClock(),
		provider: newProvider(t),
		store:    &recordingStore{Store: refresh.NewMemoryStore()},
		logs:     &syncBuffer{},
		events:   &eventLog{},
	}
	logger := slog.New(slog.NewJSONHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := setup{
		refresh: refresh.Config{
			AuthenticationURL: "/login",
			Store:             a.store,
			Logger:            logger,
			OnRefresh:         a.events.add,
			Now:               a.clock.Now,
		},
		oauth2: oauth2.Config{
			AuthorizationURL: a.provider.server.URL + "/authorize",
			TokenURL:         a.provider.server.URL + "/token",
			ClientID:         testClientID,
			ClientSecret:     testClientSecret,
			CallbackURL:      "/oauth/callback",
			HTTPClient:       a.provider.client,
			TokenTimeout:     5 * time.Second,
			Now:              a.clock.Now,
		},
	}
	for _, option := range options {
		option(&s)
	}

	// NOTE: scs.New starts a memstore cleanup goroutine that never ends.
	// MemStore.StopCleanup of scs v2.9.0 races with that goroutine's start,
	// so TestMain leaves those goroutines out of its leak check instead.
	a.sessions = scs.New()
	if s.sessionStore != nil {
		a.sessions.Store = s.sessionStore
	}

	a.auth = passport.New(a.sessions)
	a.auth.Logger = logger
	a.register(s)

	a.server = httptest.NewServer(a.sessions.LoadAndSave(a.routes()))
	t.Cleanup(a.server.Close)
	a.client = newBrowser(t)
	return a
}

// register creates the strategies as doc.go shows.
func (a *app) register(s setup) {
	a.strategy = refresh.New(s.refresh)
	a.auth.SerializeUser(refresh.SerializeUser)
	a.auth.DeserializeUser(refresh.DeserializeUser)
	a.auth.Use("main", a.strategy)

	if !s.noOAuth2 {
		oauthStrategy := oauth2.New(s.oauth2, a.strategy.OAuth2StrategyCallback())
		a.auth.Use("oauth", oauthStrategy)
		a.strategy.UseOAuth2Strategy(oauthStrategy)
	}

	localStrategy := local.New(local.Config{}, a.strategy.LocalStrategyCallback())
	a.auth.Use("local", localStrategy)
	a.strategy.UseLocalStrategy(localStrategy)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	unreachable := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "login handler must not run after a redirect", http.StatusInternalServerError)
	})
	mux.Handle("POST /login", a.auth.With(passport.SuccessRedirect("/profile")).Authenticate("local")(unreachable))
	mux.Handle("GET /login", a.auth.Authenticate("main")(http.HandlerFunc(a.profile)))
	// POST /check authenticates the request only, as Passport's
	// session: false; POST /login-second-factor verifies the password but
	// leaves the login to a second step that never comes.
	mux.Handle("POST /check", a.auth.With(passport.NoSession()).Authenticate("local")(http.HandlerFunc(a.profile)))
	mux.Handle("POST /check-call", a.auth.With(passport.NoSession()).Authenticate("local")(http.HandlerFunc(a.call)))
	mux.Handle("POST /login-second-factor", a.auth.AuthenticateCallback(func(w http.ResponseWriter, r *http.Request, res passport.Result) {
		w.WriteHeader(http.StatusAccepted)
	}, "local"))
	mux.Handle("GET /profile", a.auth.Authenticate("main")(http.HandlerFunc(a.profile)))
	mux.Handle("GET /api/data", a.auth.With(refresh.NoRedirect()).Authenticate("main")(http.HandlerFunc(a.data)))
	mux.Handle("GET /call", a.auth.Authenticate("main")(http.HandlerFunc(a.call)))
	if a.auth.Strategy("oauth") != nil {
		codeFlow := a.auth.With(passport.SuccessRedirect("/profile")).Authenticate("oauth")(unreachable)
		mux.Handle("GET /auth", codeFlow)
		mux.Handle("GET /oauth/callback", codeFlow)
	}
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /keys", a.keys)
	return mux
}

// accessToken returns the access token of the ticket that the request
// was authenticated with, or "none".
func (a *app) accessToken(r *http.Request) string {
	ticket := a.strategy.Ticket(r)
	if ticket == nil {
		return "none"
	}
	return ticket.AccessToken
}

func userName(r *http.Request) string {
	user, ok := passport.UserAs[*refresh.User](r)
	if !ok {
		return "anonymous"
	}
	return user.Name
}

func (a *app) profile(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s %s", userName(r), a.accessToken(r))
}

func (a *app) data(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"user": userName(r), "access_token": a.accessToken(r)})
}

func (a *app) call(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	target, before := a.resourceURL, a.beforeCall
	a.mu.Unlock()
	if before != nil {
		before()
	}
	resp, err := a.strategy.Client(r).Get(target)
	if err != nil {
		http.Error(w, "resource call failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(w, "%d %s; after: %s", resp.StatusCode, body, a.accessToken(r))
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.auth.Logout(w, r); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// keys writes one "key type value" line for each session key, sorted.
func (a *app) keys(w http.ResponseWriter, r *http.Request) {
	keys := a.sessions.Keys(r.Context())
	sort.Strings(keys)
	for _, key := range keys {
		value := a.sessions.Get(r.Context(), key)
		fmt.Fprintf(w, "%s %T %v\n", key, value, value)
	}
}

// sessionKeys returns the session keys that GET /keys lists.
func (a *app) sessionKeys() []string {
	a.t.Helper()
	res := a.get("/keys")
	require.Equal(a.t, http.StatusOK, res.status)
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(res.body), "\n") {
		if key, _, _ := strings.Cut(line, " "); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

// newBrowser returns a client with a cookie jar that does not follow
// redirects, so tests see each redirect response.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{
		Jar:       jar,
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// response is what a request to the app returned.
type response struct {
	status int
	header http.Header
	body   string
}

// get sends a GET request with the given header name and value pairs.
func (a *app) get(path string, header ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.server.URL+path, nil)
	require.NoError(a.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return a.do(req)
}

func (a *app) do(req *http.Request) response {
	a.t.Helper()
	res, err := send(a.client, req)
	require.NoError(a.t, err)
	return res
}

// send sends req with client and reads the whole response. Unlike the app
// methods it can run on any goroutine.
func send(client *http.Client, req *http.Request) (response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}, nil
}

// post sends a form.
func (a *app) post(path string, form url.Values) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.server.URL+path, strings.NewReader(form.Encode()))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

func (a *app) login(username, password string) response {
	a.t.Helper()
	return a.post("/login", url.Values{"username": {username}, "password": {password}})
}

// mustLogin logs testUser in at the current time of the clock.
func (a *app) mustLogin() {
	a.t.Helper()
	res := a.login(testUser, testPassword)
	require.Equal(a.t, http.StatusSeeOther, res.status, "login: %s", res.body)
	require.Equal(a.t, "/profile", res.header.Get("Location"))
}

// profileAt moves the clock to testStart plus d and requests /profile.
func (a *app) profileAt(d time.Duration) response {
	a.t.Helper()
	a.clock.Set(d)
	return a.get("/profile")
}

// sessionCookie returns the session cookie that the jar holds, or nil.
func (a *app) sessionCookie() *http.Cookie {
	a.t.Helper()
	u, err := url.Parse(a.server.URL)
	require.NoError(a.t, err)
	for _, cookie := range a.client.Jar.Cookies(u) {
		if cookie.Name == a.sessions.Cookie.Name {
			return cookie
		}
	}
	return nil
}

// decodeJSON decodes a JSON response body into a map.
func decodeJSON(t *testing.T, res response) map[string]any {
	t.Helper()
	require.Equal(t, "application/json", res.header.Get("Content-Type"), "body: %s", res.body)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.body), &body))
	return body
}
