package refresh_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNoSessionLoginLeavesSession checks that a password grant under
// passport.NoSession serves the request with the new ticket but does not
// log the session in.
func TestNoSessionLoginLeavesSession(t *testing.T) {
	a := newApp(t)
	res := a.post("/check", url.Values{"username": {testUser}, "password": {testPassword}})
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "alice access-1", res.body)

	profile := a.get("/profile")
	assert.Equal(t, http.StatusFound, profile.status, "the session must not be logged in")
	assert.Empty(t, a.sessionKeys())
}

// TestCallbackWithoutLoginLeavesSession checks that a custom callback that
// does not call Login, as a second login step would, leaves no ticket in
// the session.
func TestCallbackWithoutLoginLeavesSession(t *testing.T) {
	a := newApp(t)
	res := a.post("/login-second-factor", url.Values{"username": {testUser}, "password": {testPassword}})
	assert.Equal(t, http.StatusAccepted, res.status)

	profile := a.get("/profile")
	assert.Equal(t, http.StatusFound, profile.status, "the session must not be logged in")
	assert.Empty(t, a.sessionKeys())
}

// TestSecondLoginEndsFirstTicket checks that logging in again replaces the
// session's ticket and ends the earlier one.
func TestSecondLoginEndsFirstTicket(t *testing.T) {
	a := newApp(t)
	a.mustLogin()
	assertProfile(t, a.get("/profile"), "alice access-1")
	a.mustLogin()
	assertProfile(t, a.get("/profile"), "alice access-2")
}

// TestNoSessionLoginClient checks that the outbound client of a request
// that logged in under passport.NoSession uses that login's ticket.
func TestNoSessionLoginClient(t *testing.T) {
	a := newApp(t)
	rs := newResourceServer(t)
	a.useResource(rs, nil)

	res := a.post("/check-call", url.Values{"username": {testUser}, "password": {testPassword}})
	assert.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Equal(t, "200 Bearer access-1; after: access-1", res.body)
	assert.Empty(t, a.sessionKeys())
}
