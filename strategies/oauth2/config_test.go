package oauth2

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xoauth2 "golang.org/x/oauth2"

	"github.com/go-passport/passport/passport"
)

func validConfig() Config {
	return Config{
		AuthorizationURL: "https://provider.example/authorize",
		TokenURL:         "https://provider.example/token",
		ClientID:         testClientID,
		CallbackURL:      "/oauth/callback",
	}
}

func acceptAll(context.Context, *Token, any) (any, *passport.Info, error) { return "alice", nil, nil }

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		message string
	}{
		{name: "no authorization URL", change: func(c *Config) { c.AuthorizationURL = "" }, message: "oauth2: Config.AuthorizationURL is required"},
		{name: "relative token URL", change: func(c *Config) { c.TokenURL = "/token" }, message: `oauth2: Config.TokenURL "/token" is not an absolute URL`},
		{name: "no token URL", change: func(c *Config) { c.TokenURL = "" }, message: "oauth2: Config.TokenURL is required"},
		{name: "no client ID", change: func(c *Config) { c.ClientID = "" }, message: "oauth2: Config.ClientID is required"},
		{name: "no callback URL", change: func(c *Config) { c.CallbackURL = "" }, message: "oauth2: Config.CallbackURL is required: the callback leg is recognized by its path"},
		{name: "callback without slash", change: func(c *Config) { c.CallbackURL = "callback" }, message: `oauth2: Config.CallbackURL "callback" must be an absolute URL or a path starting with /`},
		{name: "unknown auth style", change: func(c *Config) { c.AuthStyle = 7 }, message: "oauth2: Config.AuthStyle 7 is unknown: use AuthStyleHeader or AuthStyleBody"},
		{name: "reserved authorization param", change: func(c *Config) { c.AuthorizationParams = url.Values{"state": {"x"}} }, message: `oauth2: Config.AuthorizationParams must not set "state": the flow sets it`},
		{name: "scope twice", change: func(c *Config) {
			c.Scopes = []string{"a"}
			c.AuthorizationParams = url.Values{"scope": {"b"}}
		}, message: `oauth2: Config.AuthorizationParams must not set "scope" when Config.Scopes is set`},
		{name: "secret in token params", change: func(c *Config) { c.TokenParams = url.Values{"client_secret": {"x"}} }, message: `oauth2: Config.TokenParams must not set "client_secret": use Config.ClientSecret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(&cfg)
			assert.PanicsWithValue(t, tt.message, func() { New(cfg, acceptAll) })
		})
	}
}

func TestNewNilVerify(t *testing.T) {
	assert.PanicsWithValue(t, "oauth2: New: nil verify function", func() { New(validConfig(), nil) })
	assert.PanicsWithValue(t, "oauth2: NewWithRequest: nil verify function", func() { NewWithRequest(validConfig(), nil) })
}

func TestConfigDefaults(t *testing.T) {
	cfg := New(validConfig(), acceptAll).Config()

	assert.Equal(t, " ", cfg.ScopeSeparator)
	assert.Same(t, http.DefaultClient, cfg.HTTPClient)
	assert.Equal(t, 10*time.Second, cfg.TokenTimeout)
	assert.Equal(t, 10*time.Minute, cfg.FlowLifetime)
	assert.Equal(t, 10, cfg.MaxPendingFlows)
	assert.Equal(t, "passport.oauth2", cfg.SessionKey)
	assert.Equal(t, AuthStyleHeader, cfg.AuthStyle)
	assert.False(t, cfg.SkipPKCE)
	assert.NotNil(t, cfg.Now)
}

func TestConfigIsCopy(t *testing.T) {
	input := validConfig()
	input.Scopes = []string{"read"}
	input.TokenParams = url.Values{"audience": {"api"}}
	strategy := New(input, acceptAll)
	input.Scopes[0] = "admin"
	input.TokenParams.Set("audience", "other")

	cfg := strategy.Config()
	cfg.Scopes[0] = "changed"
	cfg.TokenParams.Set("audience", "changed")

	assert.Equal(t, []string{"read"}, strategy.Config().Scopes)
	assert.Equal(t, "api", strategy.Config().TokenParams.Get("audience"))
}

func TestAuthStyleMapping(t *testing.T) {
	assert.Equal(t, xoauth2.AuthStyleInHeader, AuthStyleHeader.xoauth2Style())
	assert.Equal(t, xoauth2.AuthStyleInParams, AuthStyleBody.xoauth2Style())
}

func TestRedirectURL(t *testing.T) {
	tests := []struct {
		name     string
		callback string
		trust    bool
		tls      bool
		headers  map[string]string
		want     string
	}{
		{name: "relative over http", callback: "/oauth/callback", want: "http://app.example/oauth/callback"},
		{name: "relative over tls", callback: "/oauth/callback", tls: true, want: "https://app.example/oauth/callback"},
		{name: "relative with query", callback: "/oauth/callback?provider=x", want: "http://app.example/oauth/callback?provider=x"},
		{name: "absolute", callback: "https://login.example/cb", headers: map[string]string{"X-Forwarded-Host": "evil.example"}, want: "https://login.example/cb"},
		{name: "proxy headers untrusted", callback: "/oauth/callback",
			headers: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			want:    "http://app.example/oauth/callback"},
		{name: "proxy headers trusted", callback: "/oauth/callback", trust: true,
			headers: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example:8443"},
			want:    "https://public.example:8443/oauth/callback"},
		{name: "first of several values", callback: "/oauth/callback", trust: true,
			headers: map[string]string{"X-Forwarded-Proto": "HTTPS, http", "X-Forwarded-Host": "public.example, inner.example"},
			want:    "https://public.example/oauth/callback"},
		{name: "unknown proto ignored", callback: "/oauth/callback", trust: true, tls: true,
			headers: map[string]string{"X-Forwarded-Proto": "javascript"},
			want:    "https://app.example/oauth/callback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.CallbackURL = tt.callback
			cfg.TrustProxyHeaders = tt.trust
			r := httptest.NewRequest(http.MethodGet, "http://app.example/oauth", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for key, value := range tt.headers {
				r.Header.Set(key, value)
			}
			got, err := New(cfg, acceptAll).redirectURL(r)

			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRedirectURLInvalidHost(t *testing.T) {
	cfg := validConfig()
	cfg.TrustProxyHeaders = true
	r := httptest.NewRequest(http.MethodGet, "http://app.example/oauth", nil)
	r.Header.Set("X-Forwarded-Host", "evil.example/path@x")
	_, err := New(cfg, acceptAll).redirectURL(r)

	var httpErr *passport.HTTPError
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, http.StatusBadRequest, httpErr.Status)
}

func TestCallbackPathOfAbsoluteURL(t *testing.T) {
	cfg := validConfig()
	cfg.CallbackURL = "https://app.example"
	assert.Equal(t, "/", New(cfg, acceptAll).callback.Path)

	cfg.CallbackURL = "https://app.example/auth/cb?x=1"
	assert.Equal(t, "/auth/cb", New(cfg, acceptAll).callback.Path)
}

func TestTokenCallsOnlyStrategy(t *testing.T) {
	endpoint := newStub(t, replyJSON(http.StatusOK, map[string]any{
		"access_token": "access-1", "token_type": "Bearer", "expires_in": 60,
	}))
	verify := func(context.Context, *Token, any) (any, *passport.Info, error) { return "alice", nil, nil }
	s := New(Config{TokenURL: endpoint.tokenURL(), ClientID: "app", ClientSecret: "secret"}, verify)

	token, err := s.PasswordGrant(context.Background(), "alice", "wonderland")
	require.NoError(t, err)
	assert.Equal(t, "access-1", token.AccessToken)
	require.Len(t, endpoint.received(), 1)
	assert.Equal(t, "password", endpoint.received()[0].form.Get("grant_type"))

	res := s.Authenticate(httptest.NewRequest(http.MethodGet, "/oauth", nil))
	assert.Equal(t, passport.OutcomeError, res.Outcome)
}

func TestCodeFlowNeedsBothURLs(t *testing.T) {
	verify := func(context.Context, *Token, any) (any, *passport.Info, error) { return "alice", nil, nil }
	assert.PanicsWithValue(t, "oauth2: Config.AuthorizationURL is required", func() {
		New(Config{TokenURL: "https://auth.example/token", ClientID: "app", CallbackURL: "/cb"}, verify)
	})
	assert.PanicsWithValue(t, "oauth2: Config.CallbackURL is required: the callback leg is recognized by its path", func() {
		New(Config{TokenURL: "https://auth.example/token", ClientID: "app", AuthorizationURL: "https://auth.example/auth"}, verify)
	})
}
