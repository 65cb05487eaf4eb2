package oauth2

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

const (
	testClientID     = "client-1"
	testClientSecret = "s3cret"
)

// testNow is the start time of the test clocks.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is an adjustable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: testNow} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// tokenRequest is what a stub token endpoint received.
type tokenRequest struct {
	header http.Header
	form   url.Values
}

// stub is a token endpoint that records every request and responds with
// reply.
type stub struct {
	server *httptest.Server

	mu       sync.Mutex
	requests []tokenRequest
	reply    http.HandlerFunc
}

func newStub(t *testing.T, reply http.HandlerFunc) *stub {
	t.Helper()
	s := &stub{reply: reply}
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.server.Close)
	return s
}

func (s *stub) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, tokenRequest{header: r.Header.Clone(), form: r.PostForm})
	reply := s.reply
	s.mu.Unlock()
	reply(w, r)
}

func (s *stub) tokenURL() string { return s.server.URL + "/token" }

func (s *stub) setReply(reply http.HandlerFunc) {
	s.mu.Lock()
	s.reply = reply
	s.mu.Unlock()
}

func (s *stub) received() []tokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tokenRequest(nil), s.requests...)
}

// writeJSON writes a JSON response.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// replyJSON returns a reply with a fixed JSON body.
func replyJSON(status int, body any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) }
}

// replyRaw returns a reply with a fixed body and content type.
func replyRaw(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// assertClientAuth checks that the request authenticated the client once,
// in style, and never both ways.
func assertClientAuth(t *testing.T, style AuthStyle, req tokenRequest) {
	t.Helper()
	basic := &http.Request{Header: req.header}
	user, password, hasBasic := basic.BasicAuth()
	switch style {
	case AuthStyleHeader:
		assert.True(t, hasBasic, "basic authentication")
		assert.Equal(t, testClientID, user)
		assert.Equal(t, testClientSecret, password)
		assert.NotContains(t, req.form, "client_secret")
		assert.NotContains(t, req.form, "client_id")
	case AuthStyleBody:
		assert.False(t, hasBasic, "basic authentication")
		assert.Empty(t, req.header.Get("Authorization"))
		assert.Equal(t, []string{testClientID}, req.form["client_id"])
		assert.Equal(t, []string{testClientSecret}, req.form["client_secret"])
	}
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// grant is an authorization code issued by the provider.
type grant struct {
	challenge   string
	method      string
	redirectURI string
	used        bool
}

// provider is a stub authorization server: authorize plays the user's
// consent, and the token endpoint checks each exchange against the
// authorization request that issued the code.
type provider struct {
	t     *testing.T
	token *stub
	style AuthStyle
	// tokenParams are expected on every token request.
	tokenParams url.Values

	mu     sync.Mutex
	grants map[string]*grant
	issued int
}

func newProvider(t *testing.T, style AuthStyle) *provider {
	p := &provider{t: t, style: style, grants: make(map[string]*grant)}
	p.token = newStub(t, p.exchange)
	return p
}

// authorize checks an authorization redirect and returns the callback URL
// that the provider would send the browser to, with a new code.
func (p *provider) authorize(location *url.URL) string {
	p.t.Helper()
	query := location.Query()
	require.Equal(p.t, p.token.server.URL+"/authorize", location.Scheme+"://"+location.Host+location.Path)
	assert.Equal(p.t, "code", query.Get("response_type"))
	assert.Equal(p.t, testClientID, query.Get("client_id"))
	require.NotEmpty(p.t, query.Get("state"))

	p.mu.Lock()
	p.issued++
	code := fmt.Sprintf("code-%d", p.issued)
	p.grants[code] = &grant{
		challenge:   query.Get("code_challenge"),
		method:      query.Get("code_challenge_method"),
		redirectURI: query.Get("redirect_uri"),
	}
	p.mu.Unlock()
	return query.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {query.Get("state")}}.Encode()
}

// exchange is the default token reply. A bug in the strategy's request
// fails the test, but an unknown or reused code only gets an invalid_grant
// response.
func (p *provider) exchange(w http.ResponseWriter, r *http.Request) {
	form := r.PostForm
	assertClientAuth(p.t, p.style, tokenRequest{header: r.Header, form: form})
	assert.Equal(p.t, "authorization_code", form.Get("grant_type"))
	for key := range p.tokenParams {
		assert.Equal(p.t, p.tokenParams[key], form[key], "token parameter %s", key)
	}

	p.mu.Lock()
	g := p.grants[form.Get("code")]
	reused := g != nil && g.used
	if g != nil {
		g.used = true
	}
	p.mu.Unlock()
	if g == nil || reused {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code is invalid or was used"})
		return
	}
	assert.Equal(p.t, g.redirectURI, form.Get("redirect_uri"))
	if g.challenge == "" {
		assert.NotContains(p.t, form, "code_verifier")
	} else {
		assert.Equal(p.t, "S256", g.method)
		assert.Equal(p.t, g.challenge, s256(form.Get("code_verifier")), "PKCE verifier")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  "access-" + form.Get("code"),
		"token_type":    "Bearer",
		"refresh_token": "refresh-" + form.Get("code"),
		"expires_in":    3600,
		"scope":         "read",
	})
}

// app is an application that logs users in with the strategy, served over
// real HTTP with scs sessions.
type app struct {
	t        *testing.T
	provider *provider
	clock    *clock
	sessions *scs.SessionManager
	auth     *passport.Authenticator
	strategy *Strategy
	server   *httptest.Server
	client   *http.Client

	mu     sync.Mutex
	tokens []*Token
	// verify replaces the default verify, which logs in "alice".
	verify VerifyFunc
}

// newApp starts an application whose strategy has the callback path
// /oauth/callback. The options change the configuration before New.
func newApp(t *testing.T, options ...func(*Config)) *app {
	t.Helper()
	a := &app{t: t, clock: newClock(), sessions: scs.New()}
	cfg := Config{
		ClientID:          testClientID,
		ClientSecret:      testClientSecret,
		CallbackURL:       "/oauth/callback",
		Scopes:            []string{"read", "write"},
		ReturnToParameter: "return_to",
		Now:               a.clock.Now,
	}
	for _, option := range options {
		option(&cfg)
	}
	a.provider = newProvider(t, cfg.AuthStyle)
	a.provider.tokenParams = cfg.TokenParams
	cfg.AuthorizationURL = a.provider.token.server.URL + "/authorize"
	cfg.TokenURL = a.provider.token.tokenURL()
	a.strategy = New(cfg, a.runVerify)

	a.auth = passport.New(a.sessions)
	a.auth.SerializeUser(func(ctx context.Context, user any) (string, error) { return user.(string), nil })
	a.auth.DeserializeUser(func(ctx context.Context, id string) (any, error) { return id, nil })
	a.auth.Use("oauth", a.strategy)

	a.server = httptest.NewServer(a.sessions.LoadAndSave(a.routes()))
	t.Cleanup(a.server.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	a.client = &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a
}

func (a *app) routes() http.Handler {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "handler ran")
	})
	login := a.auth.With(passport.SuccessReturnToOrRedirect("/profile")).Authenticate("oauth")
	mux := http.NewServeMux()
	mux.Handle("/oauth", login(handler))
	mux.Handle("/oauth/callback", login(handler))
	mux.Handle("/me", a.auth.Authenticate("session")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := passport.UserAs[string](r)
		_, _ = io.WriteString(w, "user="+user)
	})))
	return mux
}

func (a *app) runVerify(ctx context.Context, token *Token, profile any) (any, *passport.Info, error) {
	a.mu.Lock()
	a.tokens = append(a.tokens, token)
	verify := a.verify
	a.mu.Unlock()
	if verify != nil {
		return verify(ctx, token, profile)
	}
	return "alice", nil, nil
}

func (a *app) verifiedTokens() []*Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*Token(nil), a.tokens...)
}

// response is a finished response with its body read.
type response struct {
	status   int
	location string
	body     string
}

// get requests target, a path of the app or an absolute URL, without
// following redirects.
func (a *app) get(target string) response {
	a.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = a.server.URL + target
	}
	resp, err := a.client.Get(target)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
}

// start runs the first leg and returns the authorization redirect.
func (a *app) start(target string) *url.URL {
	a.t.Helper()
	res := a.get(target)
	require.Equal(a.t, http.StatusFound, res.status, res.body)
	location, err := url.Parse(res.location)
	require.NoError(a.t, err)
	return location
}

// loggedInUser returns the user of the app's session, or "".
func (a *app) loggedInUser() string {
	a.t.Helper()
	return strings.TrimPrefix(a.get("/me").body, "user=")
}

// tokenCalls returns how many requests the token endpoint received.
func (a *app) tokenCalls() int { return len(a.provider.token.received()) }
