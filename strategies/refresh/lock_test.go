package refresh_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
)

// memLocker is a refresh.Locker shared by the apps of a test, as a Redis
// lock is shared by processes.
type memLocker struct {
	// waiting receives a key each time a Lock call finds it held.
	waiting chan string

	mu      sync.Mutex
	holders map[string]int
	next    int
	keys    []string
	// deadUntil makes every key look held by a process that died, until
	// that time, as a lease that has not run out yet.
	deadUntil time.Time
	// err, when set, is returned by Lock at once.
	err error
	// beforeUnlock, when set, runs at the start of each unlock.
	beforeUnlock func()
	unlocks      int
}

func newMemLocker() *memLocker {
	return &memLocker{holders: make(map[string]int), waiting: make(chan string, 64)}
}

func (l *memLocker) Lock(ctx context.Context, key string) (func() error, error) {
	notified := false
	for {
		generation, err := l.tryLock(key)
		if err != nil {
			return nil, err
		}
		if generation > 0 {
			return func() error { return l.unlock(key, generation) }, nil
		}
		if !notified {
			notified = true
			select {
			case l.waiting <- key:
			default:
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("memlocker: %s still held: %w", key, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// tryLock returns the holder's generation, or 0 when key is held.
func (l *memLocker) tryLock(key string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = append(l.keys, key)
	if l.err != nil {
		return 0, l.err
	}
	if _, held := l.holders[key]; held || time.Now().Before(l.deadUntil) {
		return 0, nil
	}
	l.next++
	l.holders[key] = l.next
	return l.next, nil
}

func (l *memLocker) unlock(key string, generation int) error {
	l.mu.Lock()
	hook := l.beforeUnlock
	l.mu.Unlock()
	if hook != nil {
		hook()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holders[key] == generation {
		delete(l.holders, key)
	}
	l.unlocks++
	return nil
}

func (l *memLocker) configure(change func(l *memLocker)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	change(l)
}

func (l *memLocker) lockedKeys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.keys...)
}

func (l *memLocker) unlockCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unlocks
}

// waitWaiting waits until a Lock call finds a key held.
func (l *memLocker) waitWaiting(t *testing.T) {
	t.Helper()
	select {
	case <-l.waiting:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no Lock call waited for a held key")
	}
}

// leasedLocker is a memLocker that reports a lease to New.
type leasedLocker struct {
	*memLocker
	lease time.Duration
}

func (l leasedLocker) Lease() time.Duration { return l.lease }

// withLocker makes the app coordinate its refreshes through locker.
func withLocker(locker refresh.Locker, lockWait time.Duration) func(*setup) {
	return func(s *setup) {
		s.refresh.Locker = locker
		s.refresh.LockWait = lockWait
	}
}

// newInstance returns a second app that shares the sessions, tickets,
// clock, provider and cookies of a, as a second process behind a load
// balancer would. Its Locker is locker.
func newInstance(t *testing.T, a *app, locker refresh.Locker, lockWait time.Duration) *app {
	t.Helper()
	b := newApp(t, withLocker(locker, lockWait), func(s *setup) {
		s.sessionStore = a.sessions.Store
		s.refresh.Store = a.store
		s.refresh.Now = a.clock.Now
		s.oauth2.Now = a.clock.Now
		s.oauth2.TokenURL = a.provider.server.URL + "/token"
	})
	// The jar keys cookies by host, not port, so both apps get the
	// session cookie.
	b.client = a.client
	b.clock = a.clock
	b.provider = a.provider
	return b
}

// getAsync sends a GET of path to a on another goroutine.
func getAsync(a *app, path string) <-chan response {
	done := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.server.URL+path, nil)
		res, err := send(a.client, req)
		if err != nil {
			res.body = err.Error()
		}
		done <- res
	}()
	return done
}

// TestLockerTwoInstances sends concurrent requests of one session to two
// apps at expiry, against a provider that rotates refresh tokens: one
// token call refreshes for all of them.
func TestLockerTwoInstances(t *testing.T) {
	const requests = 20
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, 5*time.Second))
	b := newInstance(t, a, locker, 5*time.Second)
	a.provider.configure(func(p *provider) { p.rotate = true })
	a.mustLogin()
	a.provider.configure(func(p *provider) {
		p.before = func(*http.Request) { time.Sleep(50 * time.Millisecond) }
	})
	a.clock.Set(time.Hour)

	results := make([]<-chan response, requests)
	for i := range requests {
		results[i] = getAsync([]*app{a, b}[i%2], "/profile")
	}
	for i, result := range results {
		res := <-result
		assert.Equal(t, http.StatusOK, res.status, "request %d: %s", i, res.body)
		assert.Equal(t, "alice access-2", res.body, "request %d", i)
	}
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
	assert.Len(t, append(a.events.all(), b.events.all()...), 1, "refresh events of both apps")
}

// TestLockerKey checks that the lock key names the refresh and does not
// contain the ticket ID, and that each lock is released.
func TestLockerKey(t *testing.T) {
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, time.Second))
	a.mustLogin()
	ticketID := sessionValue(t, a, "ticket")
	require.NotEmpty(t, ticketID)
	assertProfile(t, a.profileAt(time.Hour), "alice access-2")

	keys := locker.lockedKeys()
	require.Len(t, keys, 1)
	assert.True(t, strings.HasPrefix(keys[0], "refresh:"), keys[0])
	assert.NotContains(t, keys[0], ticketID)
	assert.Equal(t, 1, locker.unlockCount())
}

// sessionValue returns the value of a string session key, from GET /keys.
func sessionValue(t *testing.T, a *app, key string) string {
	t.Helper()
	res := a.get("/keys")
	require.Equal(t, http.StatusOK, res.status)
	for _, line := range strings.Split(res.body, "\n") {
		if value, ok := strings.CutPrefix(line, key+" string "); ok {
			return value
		}
	}
	return ""
}

// TestLockWaitUsesSavedTicket holds the lock on the second app after it
// saved a refreshed ticket: the first app stops waiting after LockWait,
// reads the ticket again and uses it without a token call.
func TestLockWaitUsesSavedTicket(t *testing.T) {
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, 300*time.Millisecond))
	b := newInstance(t, a, locker, 5*time.Second)
	a.provider.configure(func(p *provider) { p.rotate = true })
	a.mustLogin()
	h := holdTokenCalls(a)
	unlockGate := make(chan struct{})
	locker.configure(func(l *memLocker) { l.beforeUnlock = func() { <-unlockGate } })
	a.clock.Set(time.Hour)

	fromB := getAsync(b, "/profile")
	h.waitEntered(t)
	fromA := getAsync(a, "/profile")
	locker.waitWaiting(t)
	close(h.release)

	assertProfile(t, <-fromA, "alice access-2")
	close(unlockGate)
	assertProfile(t, <-fromB, "alice access-2")
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestLockWaitTimeout holds the lock on the second app during its token
// call: the first app gives up after LockWait without a token call, and
// serves with the old access token while it works, else 503.
func TestLockWaitTimeout(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Duration
		path   string
		status int
		body   string
	}{
		{name: "token still valid", at: insideWindow, path: "/profile", status: http.StatusOK, body: "alice access-1"},
		{name: "token expired page", at: time.Hour, path: "/profile", status: http.StatusServiceUnavailable},
		{name: "token expired api", at: time.Hour, path: "/api/data", status: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locker := newMemLocker()
			a := newApp(t, withLocker(locker, 100*time.Millisecond))
			b := newInstance(t, a, locker, 5*time.Second)
			a.provider.configure(func(p *provider) { p.rotate = true })
			a.mustLogin()
			h := holdTokenCalls(a)
			a.clock.Set(tt.at)

			fromB := getAsync(b, "/profile")
			h.waitEntered(t)
			res := a.get(tt.path)
			assert.Equal(t, tt.status, res.status, "body: %s", res.body)
			if tt.body != "" {
				assert.Equal(t, tt.body, res.body)
			} else {
				assert.Equal(t, "5", res.header.Get("Retry-After"))
			}
			if tt.path == "/api/data" {
				assert.Equal(t, "temporarily_unavailable", decodeJSON(t, res)["error"])
			}
			assert.Contains(t, a.logs.String(), "refresh: cannot lock ticket")

			close(h.release)
			assertProfile(t, <-fromB, "alice access-2")
			assertProfile(t, a.get("/profile"), "alice access-2")
			assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
		})
	}
}

// TestLockErrorIsTransient checks that a lock service that fails is
// handled as a provider that is down, without a token call.
func TestLockErrorIsTransient(t *testing.T) {
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, time.Second))
	a.mustLogin()
	locker.configure(func(l *memLocker) { l.err = errors.New("lock service down") })

	assertProfile(t, a.profileAt(insideWindow), "alice access-1")
	res := a.profileAt(time.Hour)
	assert.Equal(t, http.StatusServiceUnavailable, res.status, "body: %s", res.body)
	assert.Equal(t, "5", res.header.Get("Retry-After"))
	assert.Contains(t, a.logs.String(), "lock service down")
	assert.Empty(t, a.provider.refreshCalls())

	locker.configure(func(l *memLocker) { l.err = nil })
	assertProfile(t, a.get("/profile"), "alice access-2")
}

// TestLockDeadHolder makes the lock look held by a process that died: the
// refresh waits until its lease runs out, then refreshes once.
func TestLockDeadHolder(t *testing.T) {
	const lease = 300 * time.Millisecond
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, 5*time.Second))
	a.provider.configure(func(p *provider) { p.rotate = true })
	a.mustLogin()
	a.clock.Set(time.Hour)

	start := time.Now()
	locker.configure(func(l *memLocker) { l.deadUntil = start.Add(lease) })
	assertProfile(t, a.get("/profile"), "alice access-2")
	assert.GreaterOrEqual(t, time.Since(start), lease)
	assert.Equal(t, []string{"refresh-1"}, a.provider.refreshCalls())
}

// TestLogoutWaitsForLock checks that a logout on one app waits for the
// refresh that holds the lock on the other, so the refresh cannot
// overwrite the logout, and that both apps then see the logout.
func TestLogoutWaitsForLock(t *testing.T) {
	locker := newMemLocker()
	a := newApp(t, withLocker(locker, 5*time.Second))
	b := newInstance(t, a, locker, 5*time.Second)
	a.mustLogin()
	h := holdTokenCalls(a)
	a.clock.Set(time.Hour)

	fromB := getAsync(b, "/profile")
	h.waitEntered(t)
	logout := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/logout", nil)
		res, _ := send(a.client, req)
		logout <- res
	}()
	locker.waitWaiting(t)
	close(h.release)

	assert.Equal(t, http.StatusNoContent, (<-logout).status)
	<-fromB
	assertLoggedOut(t, a, a.get("/profile"), "/profile")
	assertLoggedOut(t, b, b.get("/api/data"), "/api/data")
}

// TestNewChecksLease checks that New rejects a lease that a refresh could
// outlast.
func TestNewChecksLease(t *testing.T) {
	tests := []struct {
		name   string
		locker refresh.Locker
		panics bool
	}{
		{name: "lease too short", locker: leasedLocker{newMemLocker(), refresh.DefaultRefreshTimeout}, panics: true},
		{name: "lease at minimum", locker: leasedLocker{newMemLocker(), refresh.DefaultRefreshTimeout + refresh.MinLeaseMargin}},
		{name: "no lease", locker: newMemLocker()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			build := func() { refresh.New(refresh.Config{Locker: tt.locker}) }
			if tt.panics {
				assert.PanicsWithValue(t, "refresh: New: Locker lease 15s is too short: it must be at least RefreshTimeout (15s) plus 1s", build)
			} else {
				assert.NotPanics(t, build)
			}
		})
	}
}
