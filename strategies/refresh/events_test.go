package refresh_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
)

// tokenDelay is how long each token call of runLifecycle takes.
const tokenDelay = 20 * time.Millisecond

// runLifecycle logs in, then makes three refresh attempts: one that
// succeeds, one that meets a provider fault after the access token has
// expired, and one with a revoked refresh token.
func runLifecycle(t *testing.T, a *app) {
	t.Helper()
	a.provider.configure(func(p *provider) {
		p.before = func(*http.Request) { time.Sleep(tokenDelay) }
	})
	a.mustLogin()
	assertProfile(t, a.profileAt(time.Hour), "alice access-2")

	unavailable := replyError(http.StatusServiceUnavailable, "temporarily_unavailable")
	a.provider.configure(func(p *provider) { p.fault = unavailable })
	require.Equal(t, http.StatusServiceUnavailable, a.profileAt(3*time.Hour).status)

	a.provider.configure(func(p *provider) { p.fault = nil })
	a.provider.revoke("refresh-1")
	assertLoggedOut(t, a, a.get("/profile"), "/profile")
}

// TestOnRefresh checks that the hook receives each refresh attempt once, with
// its outcome, provider error code and duration.
func TestOnRefresh(t *testing.T) {
	a := newApp(t)
	runLifecycle(t, a)

	events := a.events.all()
	require.Len(t, events, 3)
	want := []struct {
		outcome string
		code    string
	}{
		{outcome: "refreshed", code: ""},
		{outcome: "transient_failure", code: "temporarily_unavailable"},
		{outcome: "terminal_failure", code: "invalid_grant"},
	}
	for i, w := range want {
		assert.Equal(t, testUser, events[i].User, "event %d", i)
		assert.Equal(t, w.outcome, events[i].Outcome, "event %d", i)
		assert.Equal(t, w.code, events[i].Code, "event %d", i)
		assert.GreaterOrEqual(t, events[i].Duration, tokenDelay, "event %d", i)
		assert.Equal(t, w.outcome == "refreshed", events[i].Err == nil, "event %d error: %v", i, events[i].Err)
	}
	assert.Len(t, a.provider.refreshCalls(), 3)
}

// TestOnRefreshMissingToken checks the event of a ticket that has no
// refresh token: a terminal failure without a token call.
func TestOnRefreshMissingToken(t *testing.T) {
	a := newApp(t)
	a.provider.configure(func(p *provider) { p.noRefreshToken = true })
	a.mustLogin()
	assertLoggedOut(t, a, a.profileAt(time.Hour), "/profile")

	events := a.events.all()
	require.Len(t, events, 1)
	assert.Equal(t, "terminal_failure", events[0].Outcome)
	assert.ErrorIs(t, events[0].Err, refresh.ErrNoRefreshToken)
	assert.Zero(t, events[0].Duration)
}

// TestLogsHaveNoSecrets checks that neither the strategy's nor the
// core's log records contain a token, the client secret or a password.
func TestLogsHaveNoSecrets(t *testing.T) {
	a := newApp(t)
	runLifecycle(t, a)
	require.Equal(t, http.StatusUnauthorized, a.login(testUser, "wrong-password").status)

	logs := a.logs.String()
	require.Equal(t, 3, strings.Count(logs, "refresh: access token refresh"), "logs:\n%s", logs)
	secrets := []string{
		"access-1", "access-2", "access-3", "refresh-1",
		testClientSecret, testPassword, "wrong-password",
	}
	for _, secret := range secrets {
		assert.NotContains(t, logs, secret)
	}
}
