package integration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xoauth2 "golang.org/x/oauth2"

	"github.com/go-passport/passport/strategies/oauth2"
)

func TestCodeFlowLogin(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	status, _ := visitor.user()
	require.Equal(t, http.StatusUnauthorized, status)

	// First leg: a 302 to the provider with a state and an S256 challenge.
	authURL := visitor.start(codeFlowStart)
	parsed, err := url.Parse(authURL)
	require.NoError(t, err)
	query := parsed.Query()
	assert.Equal(t, "code", query.Get("response_type"))
	assert.Equal(t, "demo-app", query.Get("client_id"))
	assert.Equal(t, app.redirectURL(), query.Get("redirect_uri"))
	assert.Equal(t, "profile api", query.Get("scope"))
	assert.Equal(t, "S256", query.Get("code_challenge_method"))
	assert.Len(t, query.Get("code_challenge"), 43, "base64url of a SHA-256 digest")
	assert.GreaterOrEqual(t, len(query.Get("state")), 43, "256 random bits")

	// The provider's login and consent pages send the browser back with
	// a code and the same state.
	callback := visitor.authorize(authURL, "allow")
	assert.Equal(t, query.Get("state"), queryParam(t, callback, "state"))
	assert.NotEmpty(t, queryParam(t, callback, "code"))

	resp, body := visitor.get(callback)
	assert.Equal(t, http.StatusFound, resp.StatusCode, body)
	assert.Equal(t, codeFlowHome, resp.Header.Get("Location"))
	status, name := visitor.user()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "alice", name)
	stats := app.provider.Stats()
	assert.Equal(t, int64(1), stats.AuthorizationCodeGrants)
	assert.Equal(t, int64(0), stats.AuthorizationCodeFailures)
}

func TestCodeFlowRenewsSessionToken(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	callback := visitor.authorize(visitor.start(codeFlowStart), "allow")
	before := visitor.sessionCookie()
	require.NotEmpty(t, before)

	resp, body := visitor.get(callback)
	require.Equal(t, http.StatusFound, resp.StatusCode, body)
	after := visitor.sessionCookie()
	assert.NotEmpty(t, after)
	assert.NotEqual(t, before, after)
}

func TestCodeFlowTwoTabs(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	authA := visitor.start(codeFlowStart + "?callback=%2Fapi%2Fme%3Ftab%3Da")
	authB := visitor.start(codeFlowStart + "?callback=%2Fapi%2Fme%3Ftab%3Db")
	require.NotEqual(t, queryParam(t, authA, "state"), queryParam(t, authB, "state"))

	// Tab B finishes first. Its login renews the session token, and the
	// flow of tab A must survive that.
	resp, body := visitor.get(visitor.authorize(authB, "allow"))
	assert.Equal(t, http.StatusFound, resp.StatusCode, body)
	assert.Equal(t, "/api/me?tab=b", resp.Header.Get("Location"))

	resp, body = visitor.get(visitor.authorize(authA, "allow"))
	assert.Equal(t, http.StatusFound, resp.StatusCode, body)
	assert.Equal(t, "/api/me?tab=a", resp.Header.Get("Location"))

	status, name := visitor.user()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "alice", name)
	stats := app.provider.Stats()
	assert.Equal(t, int64(2), stats.AuthorizationCodeGrants)
	assert.Equal(t, int64(0), stats.AuthorizationCodeFailures)
}

func TestCodeFlowBadState(t *testing.T) {
	cases := []struct {
		name string
		edit func(url.Values)
	}{
		{"missing", func(q url.Values) { q.Del("state") }},
		{"empty", func(q url.Values) { q.Set("state", "") }},
		{"forged", func(q url.Values) { q.Set("state", randomState(t)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newCodeFlowApp(t)
			visitor := app.newUserAgent()
			callback := visitor.authorize(visitor.start(codeFlowStart), "allow")

			resp, body := visitor.get(withQuery(t, callback, tc.edit))
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
			assert.Contains(t, body, "invalid or expired state")
			assert.Equal(t, int64(0), app.tokenRequests())
			status, _ := visitor.user()
			assert.Equal(t, http.StatusUnauthorized, status)

			// The rejected callback did not consume the real flow.
			resp, body = visitor.get(callback)
			assert.Equal(t, http.StatusFound, resp.StatusCode, body)
			assert.Equal(t, int64(1), app.tokenRequests())
		})
	}
}

func TestCodeFlowReplayedCallback(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	callback, resp := visitor.login(codeFlowStart)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, int64(1), app.tokenRequests())

	resp, body := visitor.get(callback)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "invalid or expired state")
	assert.Equal(t, int64(1), app.tokenRequests())

	// The rejected replay leaves the login in place.
	status, name := visitor.user()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "alice", name)
}

func TestCodeFlowExpiredState(t *testing.T) {
	lifetime := oauth2.DefaultFlowLifetime
	cases := []struct {
		name    string
		advance time.Duration
		want    int
	}{
		{"just before lifetime", lifetime - time.Second, http.StatusFound},
		{"at lifetime", lifetime, http.StatusForbidden},
		{"past lifetime", lifetime + time.Minute, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newCodeFlowApp(t)
			require.Equal(t, lifetime, app.strategy.Config().FlowLifetime)
			visitor := app.newUserAgent()
			callback := visitor.authorize(visitor.start(codeFlowStart), "allow")

			// Only the app's clock moves: the provider's code stays valid.
			app.clock.Advance(tc.advance)
			resp, body := visitor.get(callback)
			assert.Equal(t, tc.want, resp.StatusCode, body)
			if tc.want == http.StatusForbidden {
				assert.Contains(t, body, "invalid or expired state")
				assert.Equal(t, int64(0), app.tokenRequests())
				return
			}
			assert.Equal(t, int64(1), app.tokenRequests())
		})
	}
}

func TestCodeFlowAccessDenied(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	callback := visitor.authorize(visitor.start(codeFlowStart), "deny")
	require.Equal(t, "access_denied", queryParam(t, callback, "error"))
	require.Empty(t, queryParam(t, callback, "code"))

	resp, body := visitor.get(callback)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "access_denied")
	assert.Contains(t, body, "denied the request")
	assert.Equal(t, int64(0), app.tokenRequests())
	status, _ := visitor.user()
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestCodeFlowCodeUsedTwice(t *testing.T) {
	// The first callback consumes its state, so a code can reach the token
	// endpoint a second time only inside another pending flow. Here the
	// browser logs in, starts a second login, and the first code, leaked
	// through the browser history or a log, comes back with the second
	// flow's state.
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	first, resp := visitor.login(codeFlowStart)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	second := visitor.start(codeFlowStart)
	replay := withQuery(t, first, func(q url.Values) { q.Set("state", queryParam(t, second, "state")) })

	resp, body := visitor.get(replay)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Contains(t, body, "invalid_grant")
	stats := app.provider.Stats()
	assert.Equal(t, int64(2), stats.AuthorizationCodeGrants)
	assert.Equal(t, int64(1), stats.AuthorizationCodeFailures)
	assert.Equal(t, int64(2), stats.TokenRequests)
}

func TestOAuth2ExchangeCodeTwice(t *testing.T) {
	// The strategy itself never redeems a code twice, because each callback
	// consumes the flow before the exchange. This test starts a flow with
	// its own verifier, as the first leg does, and calls Exchange twice
	// with the same code and verifier, as a client that retries a
	// redeemed code would.
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	verifier := xoauth2.GenerateVerifier()
	client := xoauth2.Config{
		ClientID:    "demo-app",
		Endpoint:    xoauth2.Endpoint{AuthURL: app.issuer + "/oauth2/auth"},
		RedirectURL: app.redirectURL(),
		Scopes:      []string{"profile"},
	}
	authURL := client.AuthCodeURL(randomState(t), xoauth2.S256ChallengeOption(verifier))
	code := queryParam(t, visitor.authorize(authURL, "allow"), "code")
	require.NotEmpty(t, code)

	ctx := context.Background()
	token, err := app.strategy.Exchange(ctx, code, verifier, app.redirectURL())
	require.NoError(t, err)
	assert.NotEmpty(t, token.AccessToken)

	_, err = app.strategy.Exchange(ctx, code, verifier, app.redirectURL())
	var tokenErr *oauth2.TokenError
	require.ErrorAs(t, err, &tokenErr)
	assert.Equal(t, "invalid_grant", tokenErr.Code)
	assert.Equal(t, http.StatusBadRequest, tokenErr.Status)
	assert.False(t, oauth2.IsTransient(err))
	stats := app.provider.Stats()
	assert.Equal(t, int64(2), stats.AuthorizationCodeGrants)
	assert.Equal(t, int64(1), stats.AuthorizationCodeFailures)
}

func TestCodeFlowInjectedCode(t *testing.T) {
	// An attacker who obtained the victim's unused code sends it to the
	// callback with the state of a flow started in the attacker's own
	// browser. PKCE binds the code to the victim's verifier, so the
	// exchange fails.
	app := newCodeFlowApp(t)
	victim, attacker := app.newUserAgent(), app.newUserAgent()
	stolen := victim.authorize(victim.start(codeFlowStart), "allow")
	own := attacker.start(codeFlowStart)
	injected := withQuery(t, stolen, func(q url.Values) { q.Set("state", queryParam(t, own, "state")) })

	resp, body := attacker.get(injected)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Contains(t, body, "invalid_grant")
	status, _ := attacker.user()
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, int64(1), app.provider.Stats().AuthorizationCodeFailures)
}

func TestCodeFlowLostSessionCookie(t *testing.T) {
	app := newCodeFlowApp(t)
	visitor := app.newUserAgent()
	callback := visitor.authorize(visitor.start(codeFlowStart), "allow")
	visitor.dropSessionCookie()

	resp, body := visitor.get(callback)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "invalid or expired state")
	assert.Equal(t, int64(0), app.tokenRequests())
	status, _ := visitor.user()
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestCodeFlowReturnTo(t *testing.T) {
	cases := []struct {
		name     string
		returnTo string
		want     string
	}{
		{"path", "/api/me", "/api/me"},
		{"path with query", "/api/me?view=full&next=%2F", "/api/me?view=full&next=%2F"},
		{"protocol relative", "//evil.example", codeFlowHome},
		{"backslash", "/\\evil", codeFlowHome},
		{"javascript scheme", "javascript:alert(1)", codeFlowHome},
		{"absolute url", "https://evil.example/", codeFlowHome},
		{"encoded slashes", "/%2F%2Fevil.example", codeFlowHome},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newCodeFlowApp(t)
			visitor := app.newUserAgent()
			start := codeFlowStart + "?" + url.Values{codeFlowReturnTo: {tc.returnTo}}.Encode()
			_, resp := visitor.login(start)
			assert.Equal(t, http.StatusFound, resp.StatusCode)
			assert.Equal(t, tc.want, resp.Header.Get("Location"))

			resp, body := visitor.get(resp.Header.Get("Location"))
			assert.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Contains(t, body, `"name":"alice"`)
		})
	}
}

// randomState returns a state as unguessable as the strategy's own.
func randomState(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}
