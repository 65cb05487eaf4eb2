package refresh_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// TestPasswordGrant checks the token request of a local login: one
// password grant with the client credentials sent once, the configured
// way.
func TestPasswordGrant(t *testing.T) {
	tests := []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{name: "basic auth", style: oauth2.AuthStyleHeader},
		{name: "form body", style: oauth2.AuthStyleBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(s *setup) { s.oauth2.AuthStyle = tt.style })
			a.mustLogin()

			calls := a.provider.received()
			require.Len(t, calls, 1)
			call := calls[0]
			assert.Equal(t, "password", call.GrantType)
			assert.Equal(t, testUser, call.Username)
			assert.Equal(t, testPassword, call.Password)
			if tt.style == oauth2.AuthStyleHeader {
				assert.True(t, call.HasBasic, "basic auth")
				assert.Equal(t, testClientID, call.BasicUser)
				assert.Equal(t, testClientSecret, call.BasicPassword)
				assert.False(t, call.HasFormSecret, "client_secret in the form too")
			} else {
				assert.False(t, call.HasBasic, "basic auth too")
				assert.Equal(t, testClientID, call.FormClientID)
				assert.Equal(t, testClientSecret, call.FormClientSecret)
			}
			assertProfile(t, a.get("/profile"), "alice access-1")
		})
	}
}

// TestPasswordGrantFailure checks the login response when the provider
// rejects the password grant or is down.
func TestPasswordGrantFailure(t *testing.T) {
	tests := []struct {
		name     string
		password string
		fault    http.HandlerFunc
		header   []string
		status   int
		// body is a part of the response body.
		body       string
		retryAfter string
	}{
		{name: "wrong password", password: "wrong", status: http.StatusUnauthorized,
			body: "invalid username or password"},
		{name: "wrong password JSON", password: "wrong", header: []string{"Accept", "application/json"},
			status: http.StatusUnauthorized, body: `"message":"invalid username or password"`},
		{name: "invalid_client", password: testPassword, fault: replyError(http.StatusUnauthorized, "invalid_client"),
			status: http.StatusBadGateway, body: "invalid_client"},
		{name: "invalid_client JSON", password: testPassword, fault: replyError(http.StatusUnauthorized, "invalid_client"),
			header: []string{"Accept", "application/json"}, status: http.StatusBadGateway, body: `"error":"invalid_client"`},
		{name: "provider 503", password: testPassword, fault: replyError(http.StatusServiceUnavailable, ""),
			status: http.StatusServiceUnavailable, body: "unavailable", retryAfter: "5"},
		{name: "provider hangs", password: testPassword, fault: hang,
			status: http.StatusServiceUnavailable, body: "unavailable", retryAfter: "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(s *setup) { s.oauth2.TokenTimeout = 100 * time.Millisecond })
			a.provider.configure(func(p *provider) { p.fault = tt.fault })

			form := url.Values{"username": {testUser}, "password": {tt.password}}
			req, err := http.NewRequest(http.MethodPost, a.server.URL+"/login", strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			res := a.do(req)

			assert.Equal(t, tt.status, res.status)
			assert.Contains(t, res.body, tt.body)
			assert.Equal(t, tt.retryAfter, res.header.Get("Retry-After"))
			isError := tt.status != http.StatusUnauthorized
			assert.Equal(t, isError, strings.Contains(a.logs.String(), "passport: authentication error"),
				"error outcome logged: %s", a.logs.String())
			assert.Equal(t, 1, a.provider.callCount(), "one password grant")
			assert.Empty(t, a.sessionKeys())
			assertLoggedOut(t, a, a.get("/profile"), "/profile")
		})
	}
}

// TestLocalCallbackWithoutOAuth2 checks that a local login on a strategy
// without UseOAuth2Strategy fails with ErrNoOAuth2Strategy.
func TestLocalCallbackWithoutOAuth2(t *testing.T) {
	a := newApp(t, func(s *setup) { s.noOAuth2 = true })

	user, info, err := a.strategy.LocalStrategyCallback()(context.Background(), testUser, testPassword)
	assert.ErrorIs(t, err, refresh.ErrNoOAuth2Strategy)
	assert.Nil(t, user)
	assert.Nil(t, info)

	res := a.login(testUser, testPassword)
	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Zero(t, a.provider.callCount())
	assert.Empty(t, a.sessionKeys())
}

// TestCodeFlowLogin checks OAuth2StrategyCallback: an authorization code
// login stores the token response and names the user from the profile.
func TestCodeFlowLogin(t *testing.T) {
	a := newApp(t, func(s *setup) {
		s.oauth2.ProfileLoader = func(ctx context.Context, token *oauth2.Token) (any, error) {
			return map[string]any{"sub": "u-7", "preferred_username": "carol"}, nil
		}
	})

	start := a.get("/auth")
	require.Equal(t, http.StatusFound, start.status)
	authorize, err := url.Parse(start.header.Get("Location"))
	require.NoError(t, err)
	query := authorize.Query()
	callback := query.Get("redirect_uri") + "?" + url.Values{"code": {"code-1"}, "state": {query.Get("state")}}.Encode()

	req, err := http.NewRequest(http.MethodGet, callback, nil)
	require.NoError(t, err)
	done := a.do(req)
	require.Equal(t, http.StatusFound, done.status, "body: %s", done.body)
	assert.Equal(t, "/profile", done.header.Get("Location"))

	assertProfile(t, a.get("/profile"), "carol access-1")
	assertProfile(t, a.profileAt(insideWindow), "carol access-2")
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestPasswordGrantLoadsProfile checks that a password-grant login loads
// the profile with the OAuth2 strategy's ProfileLoader, keeps the username
// as the user's name, and fails with 502 when the loader fails.
func TestPasswordGrantLoadsProfile(t *testing.T) {
	var tokens []string
	loader := func(_ context.Context, token *oauth2.Token) (any, error) {
		tokens = append(tokens, token.AccessToken)
		return map[string]any{"sub": "user-42", "email": "alice@example.com"}, nil
	}
	a := newApp(t, func(s *setup) { s.oauth2.ProfileLoader = loader })
	a.mustLogin()
	assert.Equal(t, []string{"access-1"}, tokens)
	assertProfile(t, a.get("/profile"), "alice access-1")

	failing := newApp(t, func(s *setup) {
		s.oauth2.ProfileLoader = func(context.Context, *oauth2.Token) (any, error) {
			return nil, errors.New("userinfo down")
		}
	})
	res := failing.post("/login", url.Values{"username": {testUser}, "password": {testPassword}})
	assert.Equal(t, http.StatusBadGateway, res.status)
	assert.Contains(t, res.body, "profile")
}
