package refresh_test

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// insideWindow is a time after login inside the default refresh window of
// a token that lives an hour, at which the access token is still valid.
const insideWindow = 3595 * time.Second

// TestTerminalRefreshFailure checks that a refresh token the provider
// rejects ends the login: the user is sent to log in again and the
// session keeps neither the user nor the ticket.
func TestTerminalRefreshFailure(t *testing.T) {
	tests := []struct {
		name string
		// reject makes the provider reject the next refresh.
		reject func(p *provider)
		path   string
	}{
		{name: "invalid_grant page", reject: revokeLogin, path: "/profile"},
		{name: "invalid_grant api", reject: revokeLogin, path: "/api/data"},
		{name: "invalid_grant with 401", reject: failWith(http.StatusUnauthorized, "invalid_grant"), path: "/profile"},
		{name: "invalid_client page", reject: failWith(http.StatusUnauthorized, "invalid_client"), path: "/profile"},
		{name: "invalid_client api", reject: failWith(http.StatusBadRequest, "invalid_client"), path: "/api/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			a.mustLogin()
			tt.reject(a.provider)
			a.clock.Set(insideWindow)

			assertLoggedOut(t, a, a.get(tt.path), tt.path)
			assert.Len(t, a.provider.refreshCalls(), 1)

			assertLoggedOut(t, a, a.get(tt.path), tt.path)
			assert.Len(t, a.provider.refreshCalls(), 1, "no token call once the login ended")
			assert.Empty(t, a.sessionKeys())
		})
	}
}

// TestMissingRefreshToken checks that an access token without a refresh
// token ends the login when it needs a refresh, without a token call.
func TestMissingRefreshToken(t *testing.T) {
	a := newApp(t)
	a.provider.configure(func(p *provider) { p.noRefreshToken = true })
	a.mustLogin()
	assertProfile(t, a.profileAt(0), "alice access-1")

	assertLoggedOut(t, a, a.profileAt(insideWindow), "/profile")
	assertLoggedOut(t, a, a.get("/api/data"), "/api/data")
	assert.Equal(t, 1, a.provider.callCount(), "only the password grant")
	assert.Empty(t, a.sessionKeys())
}

// TestTransientRefreshFailure checks that a provider fault keeps the
// login: the old access token serves while it is valid, without a token
// call during the back-off, then requests get 503, and the first refresh
// after the fault uses the same refresh token.
func TestTransientRefreshFailure(t *testing.T) {
	tests := []struct {
		name  string
		fault http.HandlerFunc
	}{
		{name: "500", fault: replyRaw(http.StatusInternalServerError, "text/plain", "internal error")},
		{name: "503 temporarily_unavailable", fault: replyError(http.StatusServiceUnavailable, "temporarily_unavailable")},
		{name: "429", fault: replyRaw(http.StatusTooManyRequests, "text/plain", "slow down")},
		{name: "body not JSON", fault: replyRaw(http.StatusOK, "application/json", "<html>maintenance</html>")},
		{name: "no access_token", fault: replyRaw(http.StatusOK, "application/json", `{"token_type":"Bearer"}`)},
		{name: "hanging endpoint", fault: hang},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(s *setup) { s.oauth2.TokenTimeout = 100 * time.Millisecond })
			a.mustLogin()
			a.provider.configure(func(p *provider) { p.fault = tt.fault })

			assertProfile(t, a.profileAt(insideWindow), "alice access-1")
			data := decodeJSON(t, a.get("/api/data"))
			assert.Equal(t, "access-1", data["access_token"])

			a.clock.Set(time.Hour)
			page := a.get("/profile")
			assert.Equal(t, http.StatusServiceUnavailable, page.status)
			assert.Equal(t, "5", page.header.Get("Retry-After"))
			assert.Contains(t, page.body, "unavailable")

			api := a.get("/api/data")
			assert.Equal(t, http.StatusServiceUnavailable, api.status)
			assert.Equal(t, "5", api.header.Get("Retry-After"))
			assert.Equal(t, "temporarily_unavailable", decodeJSON(t, api)["error"])

			a.provider.configure(func(p *provider) { p.fault = nil })
			assertProfile(t, a.get("/profile"), "alice access-2")
			// The /api/data request inside the window backs off instead of
			// calling the failing provider again; both expired requests try.
			assert.Equal(t, []string{"refresh-1", "refresh-1", "refresh-1", "refresh-1"},
				a.provider.refreshCalls(), "three failed attempts, then the refresh")
			assert.Equal(t, []string{passport.SessionUserKey, "ticket"}, a.sessionKeys())
		})
	}
}

// TestProviderRejection checks that a refusal that is neither terminal nor
// transient is a 502 with the provider's error code, and keeps the login.
func TestProviderRejection(t *testing.T) {
	tests := []struct {
		name  string
		fault http.HandlerFunc
		code  string
		// message is a part of the JSON message.
		message string
	}{
		{name: "unauthorized_client", fault: replyError(http.StatusBadRequest, "unauthorized_client"),
			code: "unauthorized_client", message: "rejected the request: unauthorized_client"},
		{name: "invalid_scope", fault: replyError(http.StatusBadRequest, "invalid_scope"),
			code: "invalid_scope", message: "rejected the request: invalid_scope"},
		{name: "404 without code", fault: replyRaw(http.StatusNotFound, "text/plain", "no such page"),
			code: "bad_gateway", message: "rejected the request with status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			a.mustLogin()
			a.provider.configure(func(p *provider) { p.fault = tt.fault })
			a.clock.Set(insideWindow)

			page := a.get("/profile")
			assert.Equal(t, http.StatusBadGateway, page.status)
			assert.Contains(t, page.body, tt.message)

			api := a.get("/api/data")
			require.Equal(t, http.StatusBadGateway, api.status)
			body := decodeJSON(t, api)
			assert.Equal(t, tt.code, body["error"])
			assert.Contains(t, body["message"], tt.message)
			assert.NotContains(t, api.body, "no such page")

			a.provider.configure(func(p *provider) { p.fault = nil })
			assertProfile(t, a.get("/profile"), "alice access-2")
		})
	}
}

// TestStoreUnavailable checks that a failing ticket store returns 503 and
// keeps the login for when the store is back.
func TestStoreUnavailable(t *testing.T) {
	a := newApp(t)
	a.mustLogin()
	a.store.fail(errors.New("connection refused"))

	page := a.get("/profile")
	assert.Equal(t, http.StatusServiceUnavailable, page.status)
	assert.Equal(t, "5", page.header.Get("Retry-After"))
	api := a.get("/api/data")
	assert.Equal(t, http.StatusServiceUnavailable, api.status)
	assert.Equal(t, "temporarily_unavailable", decodeJSON(t, api)["error"])
	assert.Equal(t, []string{passport.SessionUserKey, "ticket"}, a.sessionKeys())

	a.store.fail(nil)
	assertProfile(t, a.get("/profile"), "alice access-1")
	assert.Empty(t, a.provider.refreshCalls())
}

// TestLoginStoreUnavailable checks that a login whose ticket cannot be
// stored fails with 503 and leaves the session anonymous.
func TestLoginStoreUnavailable(t *testing.T) {
	a := newApp(t)
	a.store.fail(errors.New("connection refused"))

	res := a.login(testUser, testPassword)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.body, "cannot store the login")
	assert.Empty(t, a.sessionKeys())
}

// TestRetryAfter checks that Config.RetryAfter sets the header in whole
// seconds, rounded up.
func TestRetryAfter(t *testing.T) {
	a := newApp(t, func(s *setup) { s.refresh.RetryAfter = 1500 * time.Millisecond })
	a.mustLogin()
	a.provider.configure(func(p *provider) { p.fault = replyError(http.StatusServiceUnavailable, "") })

	res := a.profileAt(time.Hour)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Equal(t, "2", res.header.Get("Retry-After"))
}

// assertLoggedOut checks the unauthenticated response of path: a redirect
// to the login page for /profile and 401 JSON for /api/data.
func assertLoggedOut(t *testing.T, a *app, res response, path string) {
	t.Helper()
	if path == "/api/data" {
		require.Equal(t, http.StatusUnauthorized, res.status, "body: %s", res.body)
		assert.Equal(t, "unauthorized", decodeJSON(t, res)["error"])
		return
	}
	require.Equal(t, http.StatusFound, res.status, "body: %s", res.body)
	assert.Equal(t, "/login?callback=%2Fprofile", res.header.Get("Location"))
}

// revokeLogin makes the provider reject the refresh token of the login.
func revokeLogin(p *provider) { p.revoke("refresh-1") }

// failWith returns a reject function that makes the provider respond to
// every token request with status and an OAuth 2.0 error code.
func failWith(status int, code string) func(p *provider) {
	return func(p *provider) {
		p.configure(func(p *provider) { p.fault = replyError(status, code) })
	}
}

// replyError responds with status and, unless code is "", an error body.
func replyError(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{}
		if code != "" {
			body["error"] = code
		}
		writeJSON(w, status, body)
	}
}

func replyRaw(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hang returns only when the client gives up, with no response.
func hang(w http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}
