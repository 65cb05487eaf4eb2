package refresh_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnauthenticated checks the responses to a request without a login:
// a redirect to the login page with the original path and query, or 401
// JSON for API requests, NoRedirect routes and apps without a login page.
func TestUnauthenticated(t *testing.T) {
	tests := []struct {
		name      string
		loginURL  string
		parameter string
		path      string
		header    []string
		// location is the expected redirect, "" for a 401.
		location string
		json     bool
	}{
		{name: "redirect", loginURL: "/login", path: "/profile", location: "/login?callback=%2Fprofile"},
		{name: "redirect keeps query", loginURL: "/login", path: "/profile?x=1",
			location: "/login?callback=%2Fprofile%3Fx%3D1"},
		{name: "login URL with query", loginURL: "/login?lang=en", path: "/profile",
			location: "/login?callback=%2Fprofile&lang=en"},
		{name: "custom parameter", loginURL: "/login", parameter: "next", path: "/profile",
			location: "/login?next=%2Fprofile"},
		{name: "browser accept", loginURL: "/login", path: "/profile",
			header: []string{"Accept", "text/html,application/xhtml+xml"}, location: "/login?callback=%2Fprofile"},
		{name: "no login URL", loginURL: "", path: "/profile", json: true},
		{name: "accept JSON", loginURL: "/login", path: "/profile",
			header: []string{"Accept", "application/json"}, json: true},
		{name: "NoRedirect", loginURL: "/login", path: "/api/data", json: true},
		{name: "NoRedirect with accept HTML", loginURL: "/login", path: "/api/data",
			header: []string{"Accept", "text/html"}, json: true},
		{name: "login page itself", loginURL: "/login", path: "/login"},
		{name: "login page with query", loginURL: "/login?lang=en", path: "/login?lang=en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(s *setup) {
				s.refresh.AuthenticationURL = tt.loginURL
				s.refresh.CallbackParameter = tt.parameter
			})

			res := a.get(tt.path, tt.header...)

			if tt.location != "" {
				require.Equal(t, http.StatusFound, res.status, "body: %s", res.body)
				assert.Equal(t, tt.location, res.header.Get("Location"))
				return
			}
			require.Equal(t, http.StatusUnauthorized, res.status, "body: %s", res.body)
			assert.Empty(t, res.header.Get("Location"))
			if tt.json {
				body := decodeJSON(t, res)
				assert.Equal(t, "unauthorized", body["error"])
				assert.Equal(t, "authentication required", body["message"])
			}
			assert.Zero(t, a.provider.callCount())
		})
	}
}

// TestUnauthenticatedCallbackRoundTrip checks that the callback parameter
// decodes to the original path and query.
func TestUnauthenticatedCallbackRoundTrip(t *testing.T) {
	a := newApp(t)
	res := a.get("/profile?tab=keys&q=a%20b")
	require.Equal(t, http.StatusFound, res.status)

	location, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/login", location.Path)
	assert.Equal(t, "/profile?tab=keys&q=a%20b", location.Query().Get("callback"))
}
