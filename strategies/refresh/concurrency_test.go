package refresh_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hold makes the token endpoint wait: each call reports on entered, then
// waits until release is closed or its client gives up.
type hold struct {
	entered chan struct{}
	release chan struct{}
}

// holdTokenCalls installs a hold on the provider of a.
func holdTokenCalls(a *app) *hold {
	h := &hold{entered: make(chan struct{}, 16), release: make(chan struct{})}
	a.provider.configure(func(p *provider) {
		p.before = func(r *http.Request) {
			h.entered <- struct{}{}
			select {
			case <-h.release:
			case <-r.Context().Done():
			}
		}
	})
	return h
}

// waitEntered waits for a token call to reach the endpoint.
func (h *hold) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no token call reached the endpoint")
	}
}

// TestSingleFlight sends concurrent requests of one session at expiry to
// a slow token endpoint that rotates refresh tokens: one token call
// refreshes for all of them.
func TestSingleFlight(t *testing.T) {
	const requests = 20
	a := newApp(t)
	a.provider.configure(func(p *provider) { p.rotate = true })
	a.mustLogin()
	a.provider.configure(func(p *provider) {
		p.before = func(*http.Request) { time.Sleep(50 * time.Millisecond) }
	})
	a.clock.Set(time.Hour)

	start := make(chan struct{})
	results := make([]response, requests)
	errs := make([]error, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodGet, a.server.URL+"/profile", nil)
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			results[i], errs[i] = send(a.client, req)
		})
	}
	close(start)
	wg.Wait()

	for i := range requests {
		require.NoError(t, errs[i])
		assert.Equal(t, http.StatusOK, results[i].status, "request %d: %s", i, results[i].body)
		assert.Equal(t, "alice access-2", results[i].body, "request %d", i)
	}
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
	assert.Len(t, a.events.all(), 1)
}

// TestCancelledRefreshIsStored checks that a refresh outlives the request
// that started it: the client goes away while the token endpoint is slow,
// and a later request uses the stored result without a token call.
func TestCancelledRefreshIsStored(t *testing.T) {
	a := newApp(t)
	a.provider.configure(func(p *provider) { p.rotate = true })
	a.mustLogin()
	h := holdTokenCalls(a)
	a.clock.Set(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.server.URL+"/profile", nil)
	require.NoError(t, err)
	sent := make(chan error, 1)
	go func() {
		_, err := send(a.client, req)
		sent <- err
	}()

	h.waitEntered(t)
	commits := a.store.commitCount()
	cancel()
	assert.ErrorIs(t, <-sent, context.Canceled)
	require.Eventually(t, func() bool {
		return strings.Contains(a.logs.String(), "request ended while waiting for a refresh")
	}, 5*time.Second, 5*time.Millisecond, "the handler did not give up on the refresh")

	close(h.release)
	require.Eventually(t, func() bool { return a.store.commitCount() > commits },
		5*time.Second, 5*time.Millisecond, "the refresh was not stored")

	assertProfile(t, a.get("/profile"), "alice access-2")
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestLogoutDuringRefresh checks that a refresh that ends after a logout
// does not bring the login back, neither for the request that waited nor
// for a later one with the old cookie.
func TestLogoutDuringRefresh(t *testing.T) {
	a := newApp(t)
	a.mustLogin()
	oldCookie := a.sessionCookie()
	require.NotNil(t, oldCookie)
	h := holdTokenCalls(a)
	a.clock.Set(time.Hour)

	waiting := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.server.URL+"/profile", nil)
		res, _ := send(a.client, req)
		waiting <- res
	}()
	h.waitEntered(t)

	logout, err := http.NewRequest(http.MethodPost, a.server.URL+"/logout", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, a.do(logout).status)
	close(h.release)
	assertLoggedOut(t, a, <-waiting, "/profile")

	stale := newBrowser(t)
	for _, path := range []string{"/profile", "/api/data"} {
		req, err := http.NewRequest(http.MethodGet, a.server.URL+path, nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: oldCookie.Name, Value: oldCookie.Value})
		res, err := send(stale, req)
		require.NoError(t, err)
		assertLoggedOut(t, a, res, path)
	}
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}
