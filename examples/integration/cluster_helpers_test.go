package integration

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/examples/internal/redistest"
	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
	"github.com/go-passport/passport/strategies/refresh/redislock"
)

// Timeouts of the cluster instances. They are generous for a slow, shared
// CI machine, because a token call that times out after the provider has
// rotated the refresh token loses the new one. The lease outlasts the
// refresh, as refresh.New requires.
const (
	clusterRefreshTimeout = 30 * time.Second
	clusterTokenTimeout   = 25 * time.Second
	clusterLease          = clusterRefreshTimeout + 15*time.Second
)

// cluster is a Redis server and a fosite provider shared by app instances
// that each have their own session manager, pool, refresh strategy and
// Redis lock, as processes behind a load balancer would. The instances
// share one clock, which stands for hosts whose clocks agree.
type cluster struct {
	t         *testing.T
	redis     *redistest.Server
	provider  *provider.Provider
	issuer    string
	clock     *fakeClock
	logs      *clusterLog
	logger    *slog.Logger
	instances []*stack
}

func newCluster(t *testing.T, opts redistest.Options) *cluster {
	t.Helper()
	server := redistest.Start(t, opts)
	p, err := provider.New(provider.Config{AccessTokenLifespan: tokenTTL, Users: map[string]string{"alice": "wonderland"}})
	require.NoError(t, err)
	providerServer := httptest.NewServer(p.Handler())
	t.Cleanup(providerServer.Close)
	logs := &clusterLog{}
	return &cluster{
		t:        t,
		redis:    server,
		provider: p,
		issuer:   providerServer.URL,
		clock:    &fakeClock{now: time.Now()},
		logs:     logs,
		logger:   slog.New(slog.NewTextHandler(logs, nil)),
	}
}

// addInstance starts an app instance on its own httptest server. Options
// change its refresh configuration before the strategy is built.
func (c *cluster) addInstance(opts ...func(*refresh.Config)) *stack {
	t := c.t
	t.Helper()
	pool := redistest.NewPool(t, c.redis.Addr())
	s := &stack{t: t, provider: c.provider, issuer: c.issuer, clock: c.clock}
	s.sessions = scs.New()
	s.sessions.Store = passport.GuardStore(redisstore.New(pool), s.sessions.Lifetime)
	s.sessions.ErrorFunc = passport.SessionErrorFunc(c.logger)
	refreshCfg := refresh.Config{
		RefreshWindow:     refresh.AtExpiry,
		AuthenticationURL: "/login",
		Now:               c.clock.Now,
		RefreshTimeout:    clusterRefreshTimeout,
		Store:             s.sessions.Store,
		TicketLifetime:    s.sessions.Lifetime,
		Locker:            redislock.New(pool, redislock.Config{Lease: clusterLease}),
		Logger:            c.logger,
	}
	for _, opt := range opts {
		opt(&refreshCfg)
	}
	s.auth = passport.New(s.sessions)
	s.auth.SerializeUser(refresh.SerializeUser)
	s.auth.DeserializeUser(refresh.DeserializeUser)
	s.strategy = refresh.New(refreshCfg)
	s.auth.Use("main", s.strategy)
	oauthStrategy := oauth2.New(c.oauth2Config(), s.strategy.OAuth2StrategyCallback())
	s.auth.Use("oauth", oauthStrategy)
	s.strategy.UseOAuth2Strategy(oauthStrategy)
	s.auth.Use("local", local.New(local.Config{}, s.strategy.LocalStrategyCallback()))

	s.app = httptest.NewServer(s.sessions.LoadAndSave(s.routes()))
	t.Cleanup(s.app.Close)
	c.instances = append(c.instances, s)
	return s
}

func (c *cluster) oauth2Config() oauth2.Config {
	return oauth2.Config{
		AuthorizationURL: c.issuer + "/oauth2/auth",
		TokenURL:         c.issuer + "/oauth2/token",
		ClientID:         "demo-app",
		ClientSecret:     "demo-secret",
		CallbackURL:      "/oauth/callback",
		Scopes:           []string{"profile", "offline_access", "api"},
		Now:              c.clock.Now,
		TokenTimeout:     clusterTokenTimeout,
	}
}

// clusterUser is one user agent whose requests go to any instance of a
// cluster.
// Its browsers share one cookie jar: the jar keys cookies by host, not
// port, so each instance gets the session cookie.
type clusterUser struct {
	browsers []*browser
}

func (c *cluster) newUser() *clusterUser {
	c.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(c.t, err)
	client := &http.Client{
		Jar:     jar,
		Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	u := &clusterUser{}
	for _, s := range c.instances {
		u.browsers = append(u.browsers, &browser{s: s, client: client})
	}
	return u
}

// on returns the user's browser for instance i.
func (u *clusterUser) on(i int) *browser { return u.browsers[i%len(u.browsers)] }

// spread sends n concurrent GETs of path, request i to instance i modulo
// the instance count, and returns their statuses; -1 is a transport error.
func (u *clusterUser) spread(path string, n int) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, _, _, err := u.on(i).get(context.Background(), path)
			if err != nil {
				status = -1
			}
			statuses[i] = status
		})
	}
	wg.Wait()
	return statuses
}

// clusterResponse is a GET's status, headers and body.
type clusterResponse struct {
	status int
	header http.Header
	body   string
}

// getWith sends a GET of path with an Accept header to instance i.
func (u *clusterUser) getWith(i int, path, accept string) clusterResponse {
	b := u.on(i)
	b.s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.s.app.URL+path, nil)
	require.NoError(b.s.t, err)
	req.Header.Set("Accept", accept)
	resp, err := b.client.Do(req)
	require.NoError(b.s.t, err)
	defer resp.Body.Close()
	var body bytes.Buffer
	_, err = body.ReadFrom(resp.Body)
	require.NoError(b.s.t, err)
	return clusterResponse{status: resp.StatusCode, header: resp.Header, body: body.String()}
}

// clusterLog collects the log lines of all instances.
type clusterLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *clusterLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count returns how many lines contain text.
func (l *clusterLog) count(text string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), text)
}

func (l *clusterLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
