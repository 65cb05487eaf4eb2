package refresh_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
)

// resourceServer records the Authorization header of each request and
// echoes it.
type resourceServer struct {
	server *httptest.Server

	mu      sync.Mutex
	headers []string
}

func newResourceServer(t *testing.T) *resourceServer {
	t.Helper()
	rs := &resourceServer{}
	rs.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.headers = append(rs.headers, r.Header.Get("Authorization"))
		rs.mu.Unlock()
		fmt.Fprint(w, r.Header.Get("Authorization"))
	}))
	t.Cleanup(rs.server.Close)
	return rs
}

func (rs *resourceServer) received() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.headers...)
}

// useResource points GET /call of a at rs and sets what runs before the
// call.
func (a *app) useResource(rs *resourceServer, beforeCall func()) {
	a.mu.Lock()
	a.resourceURL = rs.server.URL
	a.beforeCall = beforeCall
	a.mu.Unlock()
}

// TestClient checks that Strategy.Client sends the current access token,
// refreshes it first inside the refresh window, and stores the result for
// later requests.
func TestClient(t *testing.T) {
	a := newApp(t)
	rs := newResourceServer(t)
	a.mustLogin()

	a.useResource(rs, nil)
	res := a.get("/call")
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Equal(t, "200 Bearer access-1; after: access-1", res.body)

	// The request is authenticated before the window, and the clock enters
	// it just before the resource call.
	a.useResource(rs, func() { a.clock.Set(insideWindow) })
	a.clock.Set(0)
	res = a.get("/call")
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	assert.Equal(t, "200 Bearer access-2; after: access-2", res.body)
	assert.Equal(t, []string{"Bearer access-1", "Bearer access-2"}, rs.received())

	assertProfile(t, a.profileAt(insideWindow), "alice access-2")
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestClientTerminalFailure checks that a refresh token rejected during a
// client call ends the login, so the next request makes no token call.
func TestClientTerminalFailure(t *testing.T) {
	a := newApp(t)
	rs := newResourceServer(t)
	a.mustLogin()
	a.provider.revoke("refresh-1")
	a.useResource(rs, func() { a.clock.Set(time.Hour) })

	res := a.get("/call")
	assert.Equal(t, http.StatusBadGateway, res.status)
	assert.Contains(t, res.body, refresh.ErrNotAuthenticated.Error())
	assert.Empty(t, rs.received())

	assertLoggedOut(t, a, a.get("/profile"), "/profile")
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestTokenSourceAnonymous checks the token source and client of a
// request without a login.
func TestTokenSourceAnonymous(t *testing.T) {
	a := newApp(t)
	rs := newResourceServer(t)
	r := httptest.NewRequest(http.MethodGet, "/anything", nil)

	token, err := a.strategy.TokenSource(r).Token()
	assert.ErrorIs(t, err, refresh.ErrNotAuthenticated)
	assert.Nil(t, token)

	resp, err := a.strategy.Client(r).Get(rs.server.URL)
	if resp != nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, refresh.ErrNotAuthenticated)
	assert.Empty(t, rs.received())
	assert.Nil(t, a.strategy.Ticket(r))
}
