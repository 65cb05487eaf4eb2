package refresh_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
)

// TestRefreshWindow logs in at testStart and checks the first instant at
// which a request refreshes the access token. The refreshed token has the
// same lifetime, so the second refresh comes at twice that instant.
func TestRefreshWindow(t *testing.T) {
	tests := []struct {
		name      string
		window    time.Duration
		expiresIn any
		// refreshAt is the first time after login that refreshes.
		refreshAt time.Duration
	}{
		{name: "inside window", window: time.Minute, expiresIn: 3600, refreshAt: 3540 * time.Second},
		{name: "default window", window: 0, expiresIn: 3600, refreshAt: 3590 * time.Second},
		{name: "at expiry", window: refresh.AtExpiry, expiresIn: 3600, refreshAt: 3600 * time.Second},
		{name: "window above lifetime", window: 10 * time.Minute, expiresIn: 60, refreshAt: 30 * time.Second},
		{name: "expires_in string", window: 0, expiresIn: "3600", refreshAt: 3590 * time.Second},
		{name: "expires_in missing", window: 0, expiresIn: nil, refreshAt: refresh.DefaultExpiresIn - 10*time.Second},
		{name: "expires_in zero", window: 0, expiresIn: 0, refreshAt: refresh.DefaultExpiresIn - 10*time.Second},
		{name: "expires_in negative", window: 0, expiresIn: -30, refreshAt: refresh.DefaultExpiresIn - 10*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, func(s *setup) { s.refresh.RefreshWindow = tt.window })
			a.provider.configure(func(p *provider) { p.expiresIn = tt.expiresIn })
			a.mustLogin()

			for range 3 {
				assertProfile(t, a.profileAt(0), "alice access-1")
			}
			assertProfile(t, a.profileAt(tt.refreshAt-time.Nanosecond), "alice access-1")
			assert.Empty(t, a.provider.refreshCalls(), "refresh before the window")

			for range 3 {
				assertProfile(t, a.profileAt(tt.refreshAt), "alice access-2")
			}
			assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls(), "one refresh in the window")

			assertProfile(t, a.profileAt(2*tt.refreshAt-time.Nanosecond), "alice access-2")
			assert.Len(t, a.provider.refreshCalls(), 1, "refresh before the window of the new token")
			assertProfile(t, a.profileAt(2*tt.refreshAt), "alice access-3")
			assert.Len(t, a.provider.refreshCalls(), 2, "refresh in the window of the new token")
		})
	}
}

// TestRefreshTokenRotation checks which refresh token the second refresh
// sends, with and without a new one in the first refresh response.
func TestRefreshTokenRotation(t *testing.T) {
	tests := []struct {
		name   string
		rotate bool
		want   []string
	}{
		{name: "rotated", rotate: true, want: []string{"refresh-1", "refresh-2"}},
		{name: "kept", rotate: false, want: []string{"refresh-1", "refresh-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			a.provider.configure(func(p *provider) { p.rotate = tt.rotate })
			a.mustLogin()

			assertProfile(t, a.profileAt(time.Hour), "alice access-2")
			assertProfile(t, a.profileAt(2*time.Hour), "alice access-3")
			assert.Equal(t, tt.want, a.provider.refreshCalls())
		})
	}
}

// assertProfile checks a 200 response of /profile with body "user token".
func assertProfile(t *testing.T, res response, want string) {
	t.Helper()
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Equal(t, want, res.body)
}
