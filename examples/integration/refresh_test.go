package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// burst sends n concurrent GETs of path and returns their statuses.
func burst(b *browser, path string, n int) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _, err := b.get(context.Background(), path)
			if err != nil {
				status = -1
			}
			statuses[i] = status
		}()
	}
	wg.Wait()
	return statuses
}

func countStatus(statuses []int, status int) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}

func TestBurstAtExpiry(t *testing.T) {
	s := newStack(t)
	b := s.newBrowser()
	b.login()
	before := b.token()

	s.clock.Advance(tokenTTL)
	statuses := burst(b, "/api/data", 50)

	assert.Equal(t, 50, countStatus(statuses, http.StatusOK), "statuses: %v", statuses)
	stats := s.provider.Stats()
	assert.Equal(t, int64(1), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
	assert.NotEqual(t, before, b.token())
}

func TestManySessionsManyCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("long load test")
	}
	const sessions, perSession, cycles = 100, 10, 20
	s := newStack(t)
	browsers := make([]*browser, sessions)
	for i := range browsers {
		browsers[i] = s.newBrowser()
		browsers[i].login()
	}

	for cycle := range cycles {
		s.clock.Advance(tokenTTL)
		var wg sync.WaitGroup
		failures := make(chan string, sessions*perSession)
		for _, b := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, status := range burst(b, "/api/me", perSession) {
					if status != http.StatusOK {
						failures <- fmt.Sprintf("cycle %d request %d: status %d", cycle, i, status)
					}
				}
			}()
		}
		wg.Wait()
		close(failures)
		for failure := range failures {
			t.Error(failure)
		}
		require.Equal(t, int64((cycle+1)*sessions), s.provider.Stats().RefreshGrants, "cycle %d", cycle)
	}

	stats := s.provider.Stats()
	assert.Equal(t, int64(sessions*cycles), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
	for _, b := range browsers {
		status, _, _, err := b.get(context.Background(), "/api/data")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
	}
}

// startSlow starts a /slow request that has loaded the session and waits
// for release.
func startSlow(s *stack, b *browser) (release func() int) {
	s.started = make(chan struct{})
	s.release = make(chan struct{})
	done := make(chan int, 1)
	go func() {
		status, _, _, _ := b.get(context.Background(), "/slow")
		done <- status
	}()
	<-s.started
	return func() int {
		close(s.release)
		return <-done
	}
}

func TestIdleTimeoutSlowRequestKeepsNewTicket(t *testing.T) {
	s := newStack(t, func(_ *refresh.Config, sm *scs.SessionManager, _ *oauth2.Config) {
		sm.IdleTimeout = time.Hour
	})
	b := s.newBrowser()
	b.login()
	first := b.token()

	release := startSlow(s, b)
	s.clock.Advance(tokenTTL)
	second := b.token()
	require.NotEqual(t, first, second)
	assert.Equal(t, http.StatusOK, release())

	// The stale commit of /slow did not bring the spent ticket back.
	assert.Equal(t, second, b.token())
	s.clock.Advance(tokenTTL)
	third := b.token()
	assert.NotEqual(t, second, third)
	stats := s.provider.Stats()
	assert.Equal(t, int64(2), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
}

func TestSlowRequestAroundLogout(t *testing.T) {
	s := newStack(t)
	b := s.newBrowser()
	b.login()
	b.token()

	release := startSlow(s, b)
	assert.Equal(t, http.StatusNoContent, b.post("/logout"))
	release()

	status, _, body, err := b.get(context.Background(), "/api/me")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status, body)
	assert.Equal(t, int64(0), s.provider.Stats().RefreshGrants)
}

func TestCancelledClientMidRefresh(t *testing.T) {
	s := newStack(t)
	b := s.newBrowser()
	b.login()
	before := b.token()

	s.provider.SetFault(provider.Fault{Delay: 300 * time.Millisecond})
	s.clock.Advance(tokenTTL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, _, err := b.get(ctx, "/api/me")
	require.Error(t, err)

	require.Eventually(t, func() bool {
		return s.provider.Stats().RefreshGrants == 1
	}, 5*time.Second, 10*time.Millisecond)
	s.provider.SetFault(provider.Fault{})
	time.Sleep(500 * time.Millisecond)

	after := b.token()
	assert.NotEqual(t, before, after)
	stats := s.provider.Stats()
	assert.Equal(t, int64(1), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
}

func TestTransientFaultsThenRecovery(t *testing.T) {
	faults := []struct {
		name  string
		fault provider.Fault
	}{
		{"internal server error", provider.Fault{Status: http.StatusInternalServerError}},
		{"service unavailable", provider.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1"}},
		{"too many requests", provider.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}},
		{"body not json", provider.Fault{Body: "not json"}},
		{"hang past timeout", provider.Fault{Delay: 3 * time.Second}},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, func(cfg *refresh.Config, _ *scs.SessionManager, oauthCfg *oauth2.Config) {
				cfg.RefreshWindow = 10 * time.Second
				oauthCfg.TokenTimeout = time.Second
			})
			b := s.newBrowser()
			b.login()
			first := b.token()
			s.provider.SetFault(tc.fault)

			// Inside the window but not expired: served with the old token.
			s.clock.Advance(tokenTTL - 5*time.Second)
			assert.Equal(t, first, b.token())

			// Expired: 503 with Retry-After, session kept.
			s.clock.Advance(10 * time.Second)
			status, header, body, err := b.get(context.Background(), "/api/data")
			require.NoError(t, err)
			assert.Equal(t, http.StatusServiceUnavailable, status, body)
			assert.NotEmpty(t, header.Get("Retry-After"))
			assert.Equal(t, "application/json", header.Get("Content-Type"))

			// Recovery: the next request refreshes with the kept token.
			s.provider.SetFault(provider.Fault{})
			require.Eventually(t, func() bool {
				status, _, _, err := b.get(context.Background(), "/api/data")
				return err == nil && status == http.StatusOK
			}, 10*time.Second, 100*time.Millisecond)
			assert.NotEqual(t, first, b.token())
		})
	}
}
