package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/examples/internal/redistest"
)

// startRedisDemos starts two demo instances that keep their sessions in
// one Redis server, and the embedded provider of the first, as the two
// processes of docs/scaling.md do. The second instance is configured with
// the first's provider URLs, so the provider registered only the first's
// callback URLs. Both demos share one cookie jar, as one browser would.
func startRedisDemos(t *testing.T) (first, second *demo, server *redistest.Server) {
	t.Helper()
	server = redistest.Start(t, redistest.Options{})
	logs := &lockedWriter{}
	logger := slog.New(slog.NewTextHandler(logs, nil))

	firstServer := httptest.NewUnstartedServer(nil)
	secondServer := httptest.NewUnstartedServer(nil)
	providerServer := httptest.NewUnstartedServer(nil)
	issuer := "http://" + providerServer.Listener.Addr().String()
	p, err := provider.New(provider.Config{
		Issuer:       issuer,
		RedirectURIs: callbackURLs(firstServer.Listener.Addr().String()),
		Logger:       logger,
	})
	require.NoError(t, err)
	providerServer.Config.Handler = p.Handler()
	providerServer.Start()
	t.Cleanup(providerServer.Close)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	for _, appServer := range []*httptest.Server{firstServer, secondServer} {
		backend, err := openRedis(server.URL(), logger)
		require.NoError(t, err)
		t.Cleanup(func() { _ = backend.Close() })
		a := newApp(appConfig{
			AuthURL:      issuer + "/oauth2/auth",
			TokenURL:     issuer + "/oauth2/token",
			UserinfoURL:  issuer + "/api/userinfo",
			APIURL:       issuer + "/api/data",
			ClientID:     "demo-app",
			ClientSecret: "demo-secret",
			Scopes:       []string{"profile", "offline_access", "api"},
			Logger:       logger,
			Redis:        backend,
		})
		appServer.Config.Handler = a.Handler()
		appServer.Start()
		t.Cleanup(appServer.Close)
	}
	first = &demo{t: t, app: firstServer, provider: p, issuer: issuer, client: client, logs: logs}
	second = &demo{t: t, app: secondServer, provider: p, issuer: issuer, client: client, logs: logs}
	return first, second, server
}

// TestDemoRedisSharedSession logs in on one instance, uses the session on
// the other and logs out there.
func TestDemoRedisSharedSession(t *testing.T) {
	first, second, _ := startRedisDemos(t)
	resp := first.passwordLogin("alice", "wonderland")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp, body := second.do(http.MethodGet, "/api/data", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"user":"alice"`)

	resp, _ = second.do(http.MethodPost, "/logout", nil)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body = first.do(http.MethodGet, "/api/me", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
}

// TestDemoRedisCodeFlowOnSecond logs in with the code flow on the second
// instance. The provider registered only the first instance's callback
// URLs, and fosite accepts the second's because it matches a loopback IP
// redirect URI on any port (RFC 8252, section 7.3). A localhost redirect
// URI gets no such exception.
func TestDemoRedisCodeFlowOnSecond(t *testing.T) {
	first, second, _ := startRedisDemos(t)
	resp := second.codeFlowLogin("/oauth", "allow")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body := first.do(http.MethodGet, "/api/me", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"user":"alice"`)

	browser := second.newBrowser()
	resp, _ = browser.do(http.MethodGet, "/oauth", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	authURL := resp.Header.Get("Location")
	_, secondPort, err := net.SplitHostPort(second.app.Listener.Addr().String())
	require.NoError(t, err)
	localhost := setQuery(t, authURL, "redirect_uri", "http://localhost:"+secondPort+"/oauth/callback")
	resp, body = browser.do(http.MethodGet, localhost, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	assert.Contains(t, body, "redirect_uri")
}

// TestDemoRedisDown checks that the demo responds with 503, not 500,
// while Redis is down, and logs the failure.
func TestDemoRedisDown(t *testing.T) {
	first, second, server := startRedisDemos(t)
	require.Equal(t, http.StatusSeeOther, first.passwordLogin("alice", "wonderland").StatusCode)
	server.Stop()

	for _, d := range []*demo{first, second} {
		resp, body := d.do(http.MethodGet, "/api/me", nil, "Accept", "application/json")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
		assert.Equal(t, "5", resp.Header.Get("Retry-After"))
		assert.Contains(t, body, `"error":"temporarily_unavailable"`)
	}
	assert.Contains(t, first.logs.String(), `msg="passport: session store failed"`)
}

// TestOpenRedisInvalidURL checks that -redis-url values that are not
// redis:// URLs are rejected before any connection.
func TestOpenRedisInvalidURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{name: "no scheme", url: "127.0.0.1:6379"},
		{name: "http scheme", url: "http://127.0.0.1:6379/0"},
		{name: "no host", url: "redis:///0"},
	}
	logger := slog.New(slog.DiscardHandler)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openRedis(tt.url, logger)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid -redis-url")
		})
	}
}
