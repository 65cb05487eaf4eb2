package integration

import (
	"context"
	"encoding/json"
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
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// tokenTTL is the access-token lifetime that the provider issues and the
// step by which tests move the app's clock to reach the next expiry.
const tokenTTL = time.Minute

// fakeClock is the app's clock. The provider keeps real time: its tokens
// stay valid while the app believes they expired, so every cycle refreshes.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// stack is an app protected by the refresh strategy and the fosite
// provider it logs in with, each on an httptest server.
type stack struct {
	t        *testing.T
	provider *provider.Provider
	issuer   string
	app      *httptest.Server
	clock    *fakeClock
	sessions *scs.SessionManager
	auth     *passport.Authenticator
	strategy *refresh.Strategy

	// release, when set, holds /slow until it is closed.
	release chan struct{}
	started chan struct{}
}

type stackOption func(*refresh.Config, *scs.SessionManager, *oauth2.Config)

func newStack(t *testing.T, opts ...stackOption) *stack {
	t.Helper()
	p, err := provider.New(provider.Config{AccessTokenLifespan: tokenTTL, Users: map[string]string{"alice": "wonderland"}})
	require.NoError(t, err)
	providerServer := httptest.NewServer(p.Handler())
	t.Cleanup(providerServer.Close)

	s := &stack{t: t, provider: p, issuer: providerServer.URL, clock: &fakeClock{now: time.Now()}}
	s.sessions = scs.New()
	memory := memstore.NewWithCleanupInterval(0)
	s.sessions.Store = passport.GuardStore(memory, s.sessions.Lifetime)
	refreshCfg := refresh.Config{
		RefreshWindow:     refresh.AtExpiry,
		AuthenticationURL: "/login",
		Now:               s.clock.Now,
		// A token call that times out after the provider has rotated the
		// refresh token loses the new one, so the load tests allow for a
		// slow, shared CI machine.
		RefreshTimeout: time.Minute,
	}
	oauthCfg := oauth2.Config{
		AuthorizationURL: s.issuer + "/oauth2/auth",
		TokenURL:         s.issuer + "/oauth2/token",
		ClientID:         "demo-app",
		ClientSecret:     "demo-secret",
		CallbackURL:      "/oauth/callback",
		Scopes:           []string{"profile", "offline_access", "api"},
		Now:              s.clock.Now,
		TokenTimeout:     45 * time.Second,
	}
	for _, opt := range opts {
		opt(&refreshCfg, s.sessions, &oauthCfg)
	}
	if refreshCfg.Store == nil {
		refreshCfg.Store = s.sessions.Store
	}
	s.auth = passport.New(s.sessions)
	s.auth.SerializeUser(refresh.SerializeUser)
	s.auth.DeserializeUser(refresh.DeserializeUser)
	s.strategy = refresh.New(refreshCfg)
	s.auth.Use("main", s.strategy)
	oauthStrategy := oauth2.New(oauthCfg, s.strategy.OAuth2StrategyCallback())
	s.auth.Use("oauth", oauthStrategy)
	s.strategy.UseOAuth2Strategy(oauthStrategy)
	s.auth.Use("local", local.New(local.Config{}, s.strategy.LocalStrategyCallback()))

	s.app = httptest.NewServer(s.sessions.LoadAndSave(s.routes()))
	t.Cleanup(s.app.Close)
	return s
}

func (s *stack) routes() http.Handler {
	mux := http.NewServeMux()
	api := s.auth.With(refresh.NoRedirect()).Authenticate("main")
	mux.Handle("POST /login", s.auth.With(passport.SuccessRedirect("/api/me")).Authenticate("local")(http.NotFoundHandler()))
	mux.Handle("GET /api/me", api(http.HandlerFunc(s.me)))
	mux.Handle("GET /api/data", api(http.HandlerFunc(s.data)))
	mux.Handle("GET /slow", api(http.HandlerFunc(s.slow)))
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := s.auth.Logout(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// me returns the access token the handler was given.
func (s *stack) me(w http.ResponseWriter, r *http.Request) {
	ticket := s.strategy.Ticket(r)
	writeJSON(w, map[string]string{"token": ticket.AccessToken})
}

// data calls the provider's resource endpoint with the session's token.
func (s *stack) data(w http.ResponseWriter, r *http.Request) {
	resp, err := s.strategy.Client(r).Get(s.issuer + "/api/data")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// slow loads the session, waits for the test to release it, then changes
// another session key so that the session manager commits its stale copy.
func (s *stack) slow(w http.ResponseWriter, r *http.Request) {
	s.started <- struct{}{}
	<-s.release
	s.sessions.Put(r.Context(), "visits", "1")
	writeJSON(w, map[string]string{"status": "done"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// browser is one user agent with its own cookie jar.
type browser struct {
	s      *stack
	client *http.Client
}

func (s *stack) newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(s.t, err)
	return &browser{s: s, client: &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// login logs in with the password grant; it must succeed.
func (b *browser) login() {
	b.s.t.Helper()
	resp, err := b.client.PostForm(b.s.app.URL+"/login", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	require.NoError(b.s.t, err)
	resp.Body.Close()
	require.Equal(b.s.t, http.StatusSeeOther, resp.StatusCode)
}

// get returns the status, headers and body of a GET. It is safe to call
// from several goroutines and reports errors instead of failing the test.
func (b *browser) get(ctx context.Context, path string) (int, http.Header, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.s.app.URL+path, nil)
	if err != nil {
		return 0, nil, "", err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body), err
}

// token returns the access token the app uses for this browser.
func (b *browser) token() string {
	b.s.t.Helper()
	status, _, body, err := b.get(context.Background(), "/api/me")
	require.NoError(b.s.t, err)
	require.Equal(b.s.t, http.StatusOK, status, body)
	var me struct{ Token string }
	require.NoError(b.s.t, json.Unmarshal([]byte(body), &me))
	return me.Token
}

func (b *browser) post(path string) int {
	b.s.t.Helper()
	resp, err := b.client.Post(b.s.app.URL+path, "text/plain", strings.NewReader(""))
	require.NoError(b.s.t, err)
	resp.Body.Close()
	return resp.StatusCode
}
