package oauth2

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestFirstLegRedirect(t *testing.T) {
	tests := []struct {
		name      string
		options   func(*Config)
		scope     string
		pkce      bool
		extraKey  string
		extraWant []string
	}{
		{name: "defaults", options: func(*Config) {}, scope: "read write", pkce: true},
		{name: "scope separator", options: func(c *Config) { c.ScopeSeparator = "," }, scope: "read,write", pkce: true},
		{name: "skip PKCE", options: func(c *Config) { c.SkipPKCE = true }, scope: "read write", pkce: false},
		{
			name: "authorization params",
			options: func(c *Config) {
				c.AuthorizationParams = url.Values{"prompt": {"consent"}, "resource": {"a", "b"}}
			},
			scope: "read write", pkce: true, extraKey: "resource", extraWant: []string{"a", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, tt.options)
			query := a.start("/oauth").Query()

			assert.Equal(t, "code", query.Get("response_type"))
			assert.Equal(t, testClientID, query.Get("client_id"))
			assert.Equal(t, a.server.URL+"/oauth/callback", query.Get("redirect_uri"))
			assert.Equal(t, tt.scope, query.Get("scope"))
			assert.GreaterOrEqual(t, len(query.Get("state")), 43, "state of 256 bits")
			assert.Equal(t, tt.pkce, query.Has("code_challenge"), "code_challenge")
			assert.Equal(t, tt.pkce, query.Get("code_challenge_method") == "S256", "code_challenge_method")
			if tt.extraKey != "" {
				assert.Equal(t, tt.extraWant, query[tt.extraKey])
				assert.Equal(t, "consent", query.Get("prompt"))
			}
		})
	}
}

func TestFirstLegFreshState(t *testing.T) {
	a := newApp(t)
	first := a.start("/oauth").Query()
	second := a.start("/oauth").Query()

	assert.NotEqual(t, first.Get("state"), second.Get("state"))
	assert.NotEqual(t, first.Get("code_challenge"), second.Get("code_challenge"))
}

func TestFirstLegIgnoresCode(t *testing.T) {
	a := newApp(t)
	location := a.start("/oauth?code=stolen&state=forged")

	assert.Equal(t, "/authorize", location.Path)
	assert.NotEqual(t, "forged", location.Query().Get("state"))
	assert.Zero(t, a.tokenCalls())
}

func TestLoginSucceeds(t *testing.T) {
	tests := []struct {
		name    string
		options func(*Config)
	}{
		{name: "header auth", options: func(c *Config) { c.AuthStyle = AuthStyleHeader }},
		{name: "body auth", options: func(c *Config) { c.AuthStyle = AuthStyleBody }},
		{name: "token params", options: func(c *Config) { c.TokenParams = url.Values{"audience": {"api"}} }},
		{name: "skip PKCE", options: func(c *Config) { c.SkipPKCE = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, tt.options)
			callback := a.provider.authorize(a.start("/oauth"))
			res := a.get(callback)

			assert.Equal(t, http.StatusFound, res.status, res.body)
			assert.Equal(t, "/profile", res.location)
			assert.Equal(t, "alice", a.loggedInUser())
			require.Len(t, a.provider.token.received(), 1, "token requests")
			tokens := a.verifiedTokens()
			require.Len(t, tokens, 1)
			assert.Equal(t, "access-code-1", tokens[0].AccessToken)
			assert.Equal(t, "refresh-code-1", tokens[0].RefreshToken)
			assert.Equal(t, testNow.Add(time.Hour), tokens[0].Expiry)
			assert.Equal(t, "read", tokens[0].Scope)
		})
	}
}

func TestLoginReturnTo(t *testing.T) {
	tests := []struct {
		name     string
		returnTo string
		want     string
	}{
		{name: "none", returnTo: "", want: "/profile"},
		{name: "path with query", returnTo: "/dashboard?tab=1", want: "/dashboard?tab=1"},
		{name: "protocol relative", returnTo: "//evil.example/", want: "/profile"},
		{name: "absolute", returnTo: "https://evil.example/", want: "/profile"},
		{name: "backslash", returnTo: `/\evil.example`, want: "/profile"},
		{name: "javascript", returnTo: "javascript:alert(1)", want: "/profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			start := "/oauth"
			if tt.returnTo != "" {
				start += "?" + url.Values{"return_to": {tt.returnTo}}.Encode()
			}
			res := a.get(a.provider.authorize(a.start(start)))

			assert.Equal(t, http.StatusFound, res.status, res.body)
			assert.Equal(t, tt.want, res.location)
		})
	}
}

func TestLoginParallelFlows(t *testing.T) {
	a := newApp(t)
	first := a.provider.authorize(a.start("/oauth?return_to=/first"))
	second := a.provider.authorize(a.start("/oauth?return_to=/second"))

	res := a.get(second)
	assert.Equal(t, http.StatusFound, res.status, res.body)
	assert.Equal(t, "/second", res.location)

	res = a.get(first)
	assert.Equal(t, http.StatusFound, res.status, res.body)
	assert.Equal(t, "/first", res.location)
	assert.Equal(t, 2, a.tokenCalls())
	assert.Equal(t, "alice", a.loggedInUser())
}

func TestLoginMaxPendingFlows(t *testing.T) {
	a := newApp(t, func(c *Config) { c.MaxPendingFlows = 2 })
	var callbacks []string
	for range 3 {
		callbacks = append(callbacks, a.provider.authorize(a.start("/oauth")))
		a.clock.Advance(time.Second)
	}

	assert.Equal(t, http.StatusForbidden, a.get(callbacks[0]).status, "oldest flow")
	assert.Equal(t, http.StatusFound, a.get(callbacks[1]).status)
	assert.Equal(t, http.StatusFound, a.get(callbacks[2]).status)
	assert.Equal(t, 2, a.tokenCalls())
}

// withState returns callback with its state parameter set to state, or
// removed when state is "".
func withState(t *testing.T, callback, state string) string {
	u, err := url.Parse(callback)
	require.NoError(t, err)
	query := u.Query()
	query.Del("state")
	if state != "" {
		query.Set("state", state)
	}
	u.RawQuery = query.Encode()
	return u.String()
}

func TestCallbackRejectsState(t *testing.T) {
	tests := []struct {
		name     string
		callback func(t *testing.T, a *app, callback string) string
	}{
		{name: "missing", callback: func(t *testing.T, a *app, callback string) string {
			return withState(t, callback, "")
		}},
		{name: "forged", callback: func(t *testing.T, a *app, callback string) string {
			return withState(t, callback, "forged")
		}},
		{name: "expired", callback: func(t *testing.T, a *app, callback string) string {
			a.clock.Advance(DefaultFlowLifetime)
			return callback
		}},
		{name: "other session", callback: func(t *testing.T, a *app, callback string) string {
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			a.client.Jar = jar
			return callback
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			callback := a.provider.authorize(a.start("/oauth"))
			res := a.get(tt.callback(t, a, callback))

			assert.Equal(t, http.StatusForbidden, res.status)
			assert.Contains(t, res.body, "invalid or expired state")
			assert.Zero(t, a.tokenCalls())
			assert.Empty(t, a.loggedInUser())
		})
	}
}

func TestCallbackReplay(t *testing.T) {
	a := newApp(t)
	callback := a.provider.authorize(a.start("/oauth"))
	require.Equal(t, http.StatusFound, a.get(callback).status)

	res := a.get(callback)

	assert.Equal(t, http.StatusForbidden, res.status)
	assert.Contains(t, res.body, "invalid or expired state")
	assert.Equal(t, 1, a.tokenCalls())
}

func TestCallbackReusedCode(t *testing.T) {
	a := newApp(t)
	first := a.provider.authorize(a.start("/oauth"))
	second := a.provider.authorize(a.start("/oauth"))
	require.Equal(t, http.StatusFound, a.get(first).status)

	// The second flow's state with the first flow's code.
	firstURL, err := url.Parse(first)
	require.NoError(t, err)
	secondURL, err := url.Parse(second)
	require.NoError(t, err)
	res := a.get(withState(t, first, secondURL.Query().Get("state")))

	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, "authorization failed: invalid_grant")
	assert.Equal(t, "code-1", firstURL.Query().Get("code"))
	assert.Equal(t, 2, a.tokenCalls())
}

func TestCallbackProviderError(t *testing.T) {
	tests := []struct {
		name        string
		code        string
		description string
		status      int
		message     string
	}{
		{name: "access denied", code: "access_denied", description: "user said no", status: http.StatusForbidden, message: "access_denied: user said no"},
		{name: "server error", code: "server_error", status: http.StatusBadRequest, message: "server_error"},
		{name: "control characters", code: "access_denied", description: "bad\r\nline\x00\u202e", status: http.StatusForbidden, message: "access_denied: badline"},
		{name: "long description", code: "invalid_scope", description: strings.Repeat("x", 5000), status: http.StatusBadRequest, message: "invalid_scope: xxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			callback := a.provider.authorize(a.start("/oauth"))
			u, err := url.Parse(callback)
			require.NoError(t, err)
			query := url.Values{"error": {tt.code}, "error_description": {tt.description}, "state": {u.Query().Get("state")}}
			res := a.get("/oauth/callback?" + query.Encode())

			assert.Equal(t, tt.status, res.status)
			assert.True(t, strings.HasPrefix(res.body, tt.message), "message %q", res.body)
			assert.LessOrEqual(t, len(res.body), 2*maxTextLength, "bounded message")
			assert.NotContains(t, res.body, "\r")
			assert.Zero(t, a.tokenCalls())

			// The refusal consumed the flow.
			assert.Equal(t, http.StatusForbidden, a.get(callback).status)
			assert.Zero(t, a.tokenCalls())
		})
	}
}

func TestCallbackErrorWithoutFlowHidesDescription(t *testing.T) {
	a := newApp(t)
	query := url.Values{"error": {"access_denied"}, "error_description": {"Your account is locked. Call 555-0100"}, "state": {"forged"}}
	res := a.get("/oauth/callback?" + query.Encode())

	assert.Equal(t, http.StatusForbidden, res.status)
	assert.True(t, strings.HasPrefix(res.body, "access_denied"), "message %q", res.body)
	assert.NotContains(t, res.body, "555-0100")
	assert.Zero(t, a.tokenCalls())

	query = url.Values{"error": {"Your account is locked, call 555-0100"}, "state": {"forged"}}
	res = a.get("/oauth/callback?" + query.Encode())
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.True(t, strings.HasPrefix(res.body, "authorization failed"), "message %q", res.body)
	assert.NotContains(t, res.body, "555-0100")
}

func TestCallbackMissingCode(t *testing.T) {
	a := newApp(t)
	callback := a.provider.authorize(a.start("/oauth"))
	u, err := url.Parse(callback)
	require.NoError(t, err)
	res := a.get("/oauth/callback?state=" + u.Query().Get("state"))

	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body, "missing authorization code")
	assert.Zero(t, a.tokenCalls())
}

func TestCallbackTokenFailure(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name    string
		reply   http.HandlerFunc
		status  int
		message string
	}{
		{name: "invalid grant", reply: replyJSON(http.StatusBadRequest, map[string]string{"error": "invalid_grant"}),
			status: http.StatusUnauthorized, message: "authorization failed: invalid_grant"},
		{name: "error with 200", reply: replyJSON(http.StatusOK, map[string]string{"error": "invalid_client"}),
			status: http.StatusUnauthorized, message: "authorization failed: invalid_client"},
		{name: "server error", reply: replyRaw(http.StatusInternalServerError, "text/html", "<h1>oops</h1>"),
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
		{name: "temporarily unavailable", reply: replyJSON(http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"}),
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
		{name: "too many requests", reply: replyRaw(http.StatusTooManyRequests, "text/plain", "slow down"),
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
		{name: "malformed body", reply: replyRaw(http.StatusOK, "application/json", "{not json"),
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
		{name: "no access token", reply: replyJSON(http.StatusOK, map[string]string{"token_type": "Bearer"}),
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
		{name: "hanging", reply: hang,
			status: http.StatusBadGateway, message: "the authorization server is unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(c *Config) { c.TokenTimeout = 100 * time.Millisecond })
			a.provider.token.setReply(tt.reply)
			callback := a.provider.authorize(a.start("/oauth"))
			started := time.Now()
			res := a.get(callback)

			assert.Equal(t, tt.status, res.status)
			assert.Contains(t, res.body, tt.message)
			assert.Less(t, time.Since(started), 5*time.Second)
			assert.Equal(t, 1, a.tokenCalls())
			assert.Empty(t, a.loggedInUser())
		})
	}
}

func TestCallbackProfileLoader(t *testing.T) {
	var seen any
	a := newApp(t, func(c *Config) {
		c.ProfileLoader = func(ctx context.Context, token *Token) (any, error) {
			return map[string]string{"name": "Alice", "token": token.AccessToken}, nil
		}
	})
	a.verify = func(ctx context.Context, token *Token, profile any) (any, *passport.Info, error) {
		seen = profile
		return "alice", nil, nil
	}
	res := a.get(a.provider.authorize(a.start("/oauth")))

	assert.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, map[string]string{"name": "Alice", "token": "access-code-1"}, seen)
}

func TestCallbackProfileLoaderError(t *testing.T) {
	a := newApp(t, func(c *Config) {
		c.ProfileLoader = func(ctx context.Context, token *Token) (any, error) {
			return nil, errors.New("userinfo: connection refused")
		}
	})
	res := a.get(a.provider.authorize(a.start("/oauth")))

	assert.Equal(t, http.StatusBadGateway, res.status)
	assert.Contains(t, res.body, "the authorization server is unavailable")
	assert.Empty(t, a.verifiedTokens())
}

func TestCallbackVerify(t *testing.T) {
	var noUser *struct{}
	tests := []struct {
		name    string
		verify  VerifyFunc
		status  int
		message string
	}{
		{name: "nil user", verify: func(context.Context, *Token, any) (any, *passport.Info, error) {
			return nil, nil, nil
		}, status: http.StatusUnauthorized, message: "login rejected"},
		{name: "typed nil user", verify: func(context.Context, *Token, any) (any, *passport.Info, error) {
			return noUser, nil, nil
		}, status: http.StatusUnauthorized, message: "login rejected"},
		{name: "nil user with info", verify: func(context.Context, *Token, any) (any, *passport.Info, error) {
			return nil, &passport.Info{Message: "account disabled"}, nil
		}, status: http.StatusUnauthorized, message: "account disabled"},
		{name: "error", verify: func(context.Context, *Token, any) (any, *passport.Info, error) {
			return nil, nil, errors.New("database down")
		}, status: http.StatusInternalServerError, message: "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			a.verify = tt.verify
			res := a.get(a.provider.authorize(a.start("/oauth")))

			assert.Equal(t, tt.status, res.status)
			assert.Contains(t, res.body, tt.message)
			assert.Empty(t, a.loggedInUser())
		})
	}
}

func TestNewWithRequestPassesRequest(t *testing.T) {
	var path string
	a := newApp(t)
	cfg := a.strategy.Config()
	a.auth.Use("oauth", NewWithRequest(cfg, func(r *http.Request, token *Token, profile any) (any, *passport.Info, error) {
		path = r.URL.Path
		return "bob", nil, nil
	}))
	res := a.get(a.provider.authorize(a.start("/oauth")))

	assert.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/oauth/callback", path)
	assert.Equal(t, "bob", a.loggedInUser())
}

func TestAuthenticateWithoutSession(t *testing.T) {
	strategy := New(Config{
		AuthorizationURL: "http://127.0.0.1:1/authorize",
		TokenURL:         "http://127.0.0.1:1/token",
		ClientID:         testClientID,
		CallbackURL:      "/oauth/callback",
	}, func(context.Context, *Token, any) (any, *passport.Info, error) { return "alice", nil, nil })
	auth := passport.New(nil)
	auth.Use("oauth", strategy)
	var got passport.Result
	handler := auth.AuthenticateCallback(func(w http.ResponseWriter, r *http.Request, res passport.Result) {
		got = res
	}, "oauth")
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/oauth", nil))

	assert.Equal(t, passport.OutcomeError, got.Outcome)
	assert.ErrorIs(t, got.Err, passport.ErrNoSessionManager)
}

func TestExchangeFailureResult(t *testing.T) {
	rejected := &TokenError{Status: http.StatusBadRequest, Code: "invalid_grant"}
	res := exchangeFailure(rejected)
	assert.Equal(t, passport.OutcomeFail, res.Outcome)
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.Equal(t, "authorization failed: invalid_grant", res.Info.Message)
	assert.Same(t, rejected, res.Err)

	for _, err := range []error{
		&TokenError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable"},
		&TransientError{Status: http.StatusInternalServerError},
	} {
		res := exchangeFailure(err)
		var httpErr *passport.HTTPError
		require.ErrorAs(t, res.Err, &httpErr)
		assert.Equal(t, passport.OutcomeError, res.Outcome)
		assert.Equal(t, http.StatusBadGateway, httpErr.Status)
		assert.Equal(t, "provider_unavailable", httpErr.Code)
		assert.ErrorIs(t, res.Err, err)
	}
}
