package oauth2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// newTokenStrategy returns a strategy whose token endpoint is s, with the
// clock at testNow.
func newTokenStrategy(t *testing.T, s *stub, options ...func(*Config)) *Strategy {
	t.Helper()
	cfg := Config{
		AuthorizationURL: s.server.URL + "/authorize",
		TokenURL:         s.tokenURL(),
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		CallbackURL:      "https://app.example/oauth/callback",
		Scopes:           []string{"read", "write"},
		Now:              func() time.Time { return testNow },
	}
	for _, option := range options {
		option(&cfg)
	}
	return New(cfg, func(context.Context, *Token, any) (any, *passport.Info, error) { return nil, nil, nil })
}

var okBody = map[string]any{
	"access_token":  "at-1",
	"token_type":    "Bearer",
	"refresh_token": "rt-1",
	"expires_in":    3600,
	"scope":         "read",
	"id_token":      "header.payload.signature",
	"custom":        "value",
}

func TestExchangeRequest(t *testing.T) {
	for _, style := range []AuthStyle{AuthStyleHeader, AuthStyleBody} {
		t.Run(fmt.Sprintf("style %d", style), func(t *testing.T) {
			s := newStub(t, replyJSON(http.StatusOK, okBody))
			strategy := newTokenStrategy(t, s, func(c *Config) {
				c.AuthStyle = style
				c.TokenParams = url.Values{"audience": {"api"}, "resource": {"r1", "r2"}, "grant_type": {"ignored"}}
			})
			_, err := strategy.Exchange(context.Background(), "code-1", "verifier-1", "https://app.example/cb")
			require.NoError(t, err)

			requests := s.received()
			require.Len(t, requests, 1)
			form := requests[0].form
			assertClientAuth(t, style, requests[0])
			assert.Equal(t, []string{"authorization_code"}, form["grant_type"])
			assert.Equal(t, "code-1", form.Get("code"))
			assert.Equal(t, "verifier-1", form.Get("code_verifier"))
			assert.Equal(t, "https://app.example/cb", form.Get("redirect_uri"))
			assert.Equal(t, []string{"api"}, form["audience"])
			assert.Equal(t, []string{"r1", "r2"}, form["resource"])
		})
	}
}

func TestExchangeWithoutVerifier(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusOK, okBody))
	_, err := newTokenStrategy(t, s).Exchange(context.Background(), "code-1", "", "https://app.example/cb")
	require.NoError(t, err)

	require.Len(t, s.received(), 1)
	assert.NotContains(t, s.received()[0].form, "code_verifier")
}

func TestExchangeToken(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusOK, okBody))
	token, err := newTokenStrategy(t, s).Exchange(context.Background(), "code-1", "", "https://app.example/cb")
	require.NoError(t, err)

	assert.Equal(t, "at-1", token.AccessToken)
	assert.Equal(t, "rt-1", token.RefreshToken)
	assert.Equal(t, "Bearer", token.TokenType)
	assert.Equal(t, int64(3600), token.ExpiresIn)
	assert.Equal(t, testNow.Add(time.Hour), token.Expiry)
	assert.Equal(t, "read", token.Scope)
	assert.Equal(t, "header.payload.signature", token.IDToken)
	assert.Equal(t, "value", token.Extra["custom"])
	assert.Equal(t, float64(3600), token.Extra["expires_in"])
}

func TestExchangeResponseForms(t *testing.T) {
	tests := []struct {
		name      string
		reply     http.HandlerFunc
		expiresIn int64
		scope     string
		extra     map[string]any
	}{
		{name: "number expires_in", reply: replyRaw(http.StatusOK, "application/json", `{"access_token":"at","expires_in":3600}`),
			expiresIn: 3600, extra: map[string]any{"access_token": "at", "expires_in": float64(3600)}},
		{name: "string expires_in", reply: replyRaw(http.StatusOK, "application/json", `{"access_token":"at","expires_in":"3600"}`),
			expiresIn: 3600, extra: map[string]any{"access_token": "at", "expires_in": "3600"}},
		{name: "no expires_in", reply: replyRaw(http.StatusOK, "application/json", `{"access_token":"at"}`),
			extra: map[string]any{"access_token": "at"}},
		{name: "form body", reply: replyRaw(http.StatusOK, "application/x-www-form-urlencoded", "access_token=at&expires_in=3600&scope=a+b&scope=c"),
			expiresIn: 3600, scope: "a b", extra: map[string]any{"access_token": "at", "expires_in": "3600", "scope": "a b"}},
		{name: "text plain form body", reply: replyRaw(http.StatusOK, "text/plain; charset=utf-8", "access_token=at&token_type=bearer"),
			extra: map[string]any{"access_token": "at", "token_type": "bearer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t, tt.reply)
			token, err := newTokenStrategy(t, s).Exchange(context.Background(), "code-1", "", "https://app.example/cb")
			require.NoError(t, err)

			assert.Equal(t, "at", token.AccessToken)
			assert.Equal(t, tt.expiresIn, token.ExpiresIn)
			if tt.expiresIn == 0 {
				assert.True(t, token.Expiry.IsZero(), "zero expiry")
			} else {
				assert.Equal(t, testNow.Add(time.Duration(tt.expiresIn)*time.Second), token.Expiry)
			}
			assert.Equal(t, tt.scope, token.Scope)
			assert.Equal(t, tt.extra, token.Extra)
		})
	}
}

func TestExchangeErrors(t *testing.T) {
	const secret = "leaked-secret-value"
	tests := []struct {
		name      string
		reply     http.HandlerFunc
		tokenErr  *TokenError
		status    int
		transient bool
	}{
		{name: "invalid grant", reply: replyJSON(http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code expired"}),
			tokenErr: &TokenError{Status: 400, Code: "invalid_grant", Description: "code expired"}},
		{name: "error field with 200", reply: replyJSON(http.StatusOK, map[string]string{"error": "invalid_client", "access_token": secret}),
			tokenErr: &TokenError{Status: 200, Code: "invalid_client"}},
		{name: "form error body", reply: replyRaw(http.StatusUnauthorized, "application/x-www-form-urlencoded", "error=invalid_client&error_uri=https%3A%2F%2Fdocs.example"),
			tokenErr: &TokenError{Status: 401, Code: "invalid_client", URI: "https://docs.example"}},
		{name: "4xx without code", reply: replyRaw(http.StatusUnauthorized, "text/html", "<p>"+secret+"</p>"),
			tokenErr: &TokenError{Status: 401}},
		{name: "temporarily unavailable", reply: replyJSON(http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"}),
			tokenErr: &TokenError{Status: 503, Code: "temporarily_unavailable"}, transient: true},
		{name: "server error", reply: replyRaw(http.StatusInternalServerError, "text/html", secret),
			status: 500, transient: true},
		{name: "too many requests", reply: replyRaw(http.StatusTooManyRequests, "application/json", "{}"),
			status: 429, transient: true},
		{name: "malformed json", reply: replyRaw(http.StatusOK, "application/json", "{"+secret),
			status: 200, transient: true},
		{name: "malformed form", reply: replyRaw(http.StatusOK, "application/x-www-form-urlencoded", "access_token=%zz"),
			status: 200, transient: true},
		{name: "no access token", reply: replyJSON(http.StatusOK, map[string]string{"refresh_token": secret}),
			status: 200, transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t, tt.reply)
			token, err := newTokenStrategy(t, s).Exchange(context.Background(), "code-1", "", "https://app.example/cb")

			require.Error(t, err)
			assert.Nil(t, token)
			assert.Len(t, s.received(), 1, "one request")
			assert.Equal(t, tt.transient, IsTransient(err), "transient")
			assert.NotContains(t, err.Error(), secret)
			if tt.tokenErr != nil {
				var tokenErr *TokenError
				require.ErrorAs(t, err, &tokenErr)
				assert.Equal(t, tt.tokenErr, tokenErr)
				return
			}
			var transient *TransientError
			require.ErrorAs(t, err, &transient)
			assert.Equal(t, tt.status, transient.Status)
		})
	}
}

func TestExchangeTimeout(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	strategy := newTokenStrategy(t, s, func(c *Config) { c.TokenTimeout = 50 * time.Millisecond })
	started := time.Now()
	_, err := strategy.Exchange(context.Background(), "code-1", "", "https://app.example/cb")

	require.Error(t, err)
	assert.Less(t, time.Since(started), 5*time.Second)
	assert.True(t, IsTransient(err), "transient")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var transient *TransientError
	assert.ErrorAs(t, err, &transient)
}

func TestExchangeUnreachable(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusOK, okBody))
	strategy := newTokenStrategy(t, s)
	s.server.Close()
	_, err := strategy.Exchange(context.Background(), "code-1", "", "https://app.example/cb")

	var transient *TransientError
	require.ErrorAs(t, err, &transient)
	assert.Zero(t, transient.Status)
	assert.True(t, IsTransient(err))
}

// countingTransport counts the requests it sends.
type countingTransport struct{ count atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.count.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestExchangeHTTPClient(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusOK, okBody))
	transport := &countingTransport{}
	strategy := newTokenStrategy(t, s, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: transport}
		c.TokenParams = url.Values{"audience": {"api"}}
	})
	_, err := strategy.Exchange(context.Background(), "code-1", "", "https://app.example/cb")
	require.NoError(t, err)

	assert.Equal(t, int32(1), transport.count.Load())
	require.Len(t, s.received(), 1)
	assert.Equal(t, "api", s.received()[0].form.Get("audience"))
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name  string
		reply http.HandlerFunc
		want  string
	}{
		{name: "keeps refresh token", reply: replyJSON(http.StatusOK, map[string]any{"access_token": "at-2", "expires_in": "60"}), want: "rt-old"},
		{name: "rotates refresh token", reply: replyJSON(http.StatusOK, map[string]any{"access_token": "at-2", "refresh_token": "rt-new", "expires_in": 60}), want: "rt-new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t, tt.reply)
			strategy := newTokenStrategy(t, s, func(c *Config) { c.TokenParams = url.Values{"audience": {"api"}} })
			token, err := strategy.Refresh(context.Background(), "rt-old")
			require.NoError(t, err)

			assert.Equal(t, "at-2", token.AccessToken)
			assert.Equal(t, tt.want, token.RefreshToken)
			assert.Equal(t, testNow.Add(time.Minute), token.Expiry)
			requests := s.received()
			require.Len(t, requests, 1)
			assertClientAuth(t, AuthStyleHeader, requests[0])
			assert.Equal(t, "refresh_token", requests[0].form.Get("grant_type"))
			assert.Equal(t, "rt-old", requests[0].form.Get("refresh_token"))
			assert.Equal(t, "api", requests[0].form.Get("audience"))
			assert.NotContains(t, requests[0].form, "scope")
		})
	}
}

func TestRefreshRejected(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusBadRequest, map[string]string{"error": "invalid_grant"}))
	_, err := newTokenStrategy(t, s, func(c *Config) { c.AuthStyle = AuthStyleBody }).Refresh(context.Background(), "rt-old")

	var tokenErr *TokenError
	require.ErrorAs(t, err, &tokenErr)
	assert.Equal(t, "invalid_grant", tokenErr.Code)
	assert.False(t, IsTransient(err))
	require.Len(t, s.received(), 1, "one request")
	assertClientAuth(t, AuthStyleBody, s.received()[0])
}

func TestRefreshEmptyToken(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusOK, okBody))
	_, err := newTokenStrategy(t, s).Refresh(context.Background(), "")

	assert.ErrorIs(t, err, ErrNoRefreshToken)
	assert.Empty(t, s.received())
}

func TestPasswordGrant(t *testing.T) {
	for _, style := range []AuthStyle{AuthStyleHeader, AuthStyleBody} {
		t.Run(fmt.Sprintf("style %d", style), func(t *testing.T) {
			s := newStub(t, replyJSON(http.StatusOK, okBody))
			strategy := newTokenStrategy(t, s, func(c *Config) {
				c.AuthStyle = style
				c.ScopeSeparator = ","
				c.TokenParams = url.Values{"audience": {"api"}}
			})
			token, err := strategy.PasswordGrant(context.Background(), "alice", "pa ss&word")
			require.NoError(t, err)

			assert.Equal(t, "at-1", token.AccessToken)
			requests := s.received()
			require.Len(t, requests, 1)
			form := requests[0].form
			assertClientAuth(t, style, requests[0])
			assert.Equal(t, "password", form.Get("grant_type"))
			assert.Equal(t, "alice", form.Get("username"))
			assert.Equal(t, "pa ss&word", form.Get("password"))
			assert.Equal(t, "read,write", form.Get("scope"))
			assert.Equal(t, "api", form.Get("audience"))
		})
	}
}

func TestPasswordGrantInvalidCredentials(t *testing.T) {
	s := newStub(t, replyJSON(http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "bad password"}))
	_, err := newTokenStrategy(t, s).PasswordGrant(context.Background(), "alice", "wrong")

	var tokenErr *TokenError
	require.ErrorAs(t, err, &tokenErr)
	assert.Equal(t, "oauth2: token request rejected: invalid_grant: bad password", err.Error())
	assert.NotContains(t, err.Error(), "wrong")
}

func TestTokenHidesSecrets(t *testing.T) {
	token := &Token{AccessToken: "at-secret", RefreshToken: "rt-secret", IDToken: "id-secret", TokenType: "Bearer", Expiry: testNow}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("token", "token", token)

	for _, text := range []string{fmt.Sprint(token), fmt.Sprintf("%+v", token), fmt.Sprintf("%#v", token), logged.String()} {
		assert.NotContains(t, text, "secret")
		assert.Contains(t, text, "Bearer")
	}
	assert.Equal(t, "oauth2.Token(nil)", (*Token)(nil).String())
}

func TestTokenCallErrorWrapsCause(t *testing.T) {
	cause := errors.New("oauth2: server response missing access_token")
	err := tokenCallError(cause, http.StatusOK)

	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "oauth2: token request failed with status 200: server response missing access_token", err.Error())
}
