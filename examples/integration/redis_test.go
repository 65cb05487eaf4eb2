package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/examples/internal/redistest"
	"github.com/go-passport/passport/strategies/refresh"
	"github.com/go-passport/passport/strategies/refresh/redislock"
)

// TestClusterManyCycles sends bursts of each session's requests to both
// instances at every expiry: each session is refreshed exactly once per
// cycle and no session is logged out.
func TestClusterManyCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("long load test")
	}
	const sessions, perSession, cycles = 20, 10, 20
	c := newCluster(t, redistest.Options{})
	c.addInstance()
	c.addInstance()
	users := make([]*clusterUser, sessions)
	tokens := make([]string, sessions)
	for i := range users {
		users[i] = c.newUser()
		users[i].on(i).login()
		tokens[i] = users[i].on(i + 1).token()
	}

	for cycle := range cycles {
		c.clock.Advance(tokenTTL)
		failures := make(chan string, sessions*perSession)
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Go(func() {
				for j, status := range u.spread("/api/me", perSession) {
					if status != http.StatusOK {
						failures <- fmt.Sprintf("cycle %d session %d request %d: status %d", cycle, i, j, status)
					}
				}
			})
		}
		wg.Wait()
		close(failures)
		for failure := range failures {
			t.Error(failure)
		}
		require.Equal(t, int64((cycle+1)*sessions), c.provider.Stats().RefreshGrants, "cycle %d", cycle)
		for i, u := range users {
			token := u.on(cycle).token()
			assert.NotEqual(t, tokens[i], token, "cycle %d session %d kept its access token", cycle, i)
			tokens[i] = token
		}
	}

	stats := c.provider.Stats()
	assert.Equal(t, int64(sessions*cycles), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
	for _, u := range users {
		for i := range c.instances {
			status, _, body, err := u.on(i).get(context.Background(), "/api/data")
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, status, body)
		}
	}
}

// TestClusterRedisOutage stops Redis and starts it again. During the
// outage requests get 503 with Retry-After and a log line, not 500. The
// server keeps its data in an append-only file in a temporary directory,
// as a production server configured for durability would. So the test can
// check that the outage itself loses nothing: afterwards every session is
// logged in with the same access token on both instances, and refreshes
// work again.
func TestClusterRedisOutage(t *testing.T) {
	const sessions = 3
	c := newCluster(t, redistest.Options{Persistent: true})
	c.addInstance()
	c.addInstance()
	users := make([]*clusterUser, sessions)
	tokens := make([]string, sessions)
	for i := range users {
		users[i] = c.newUser()
		users[i].on(i).login()
		tokens[i] = users[i].on(i + 1).token()
	}
	keys := redisKeyCount(t, c.redis.Addr())

	c.redis.Stop()
	for i, u := range users {
		for instance := range c.instances {
			res := u.getWith(instance, "/api/me", "application/json")
			assert.Equal(t, http.StatusServiceUnavailable, res.status, "session %d instance %d: %s", i, instance, res.body)
			assert.Equal(t, "5", res.header.Get("Retry-After"))
			assert.Equal(t, "application/json", res.header.Get("Content-Type"))
			assert.Contains(t, res.body, `"error":"temporarily_unavailable"`)

			page := u.getWith(instance, "/api/me", "text/html")
			assert.Equal(t, http.StatusServiceUnavailable, page.status, "session %d instance %d: %s", i, instance, page.body)
			assert.Equal(t, "the session store is unavailable, try again shortly\n", page.body)
		}
	}
	resp, err := c.newUser().on(0).client.PostForm(c.instances[0].app.URL+"/login",
		url.Values{"username": {"alice"}, "password": {"wonderland"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "login during the outage")
	assert.GreaterOrEqual(t, c.logs.count(`msg="passport: session store failed"`), sessions*len(c.instances)*2)
	assert.Contains(t, c.logs.String(), "connect: connection refused")

	c.redis.Start()
	assert.Equal(t, keys, redisKeyCount(t, c.redis.Addr()), "Redis keys after the restart")
	for i, u := range users {
		for instance := range c.instances {
			assert.Equal(t, tokens[i], u.on(instance).token(), "session %d instance %d", i, instance)
		}
	}
	assert.Equal(t, int64(0), c.provider.Stats().RefreshGrants)

	c.clock.Advance(tokenTTL)
	for i, u := range users {
		assert.Equal(t, []int{200, 200, 200, 200}, u.spread("/api/me", 4), "session %d", i)
	}
	stats := c.provider.Stats()
	assert.Equal(t, int64(sessions), stats.RefreshGrants)
	assert.Equal(t, int64(0), stats.RefreshFailures)
}

// redisKeyCount returns the number of keys in database 0 of the server at
// addr.
func redisKeyCount(t *testing.T, addr string) int {
	t.Helper()
	conn, err := redis.Dial("tcp", addr, redis.DialConnectTimeout(time.Second), redis.DialReadTimeout(time.Second))
	require.NoError(t, err)
	defer conn.Close()
	n, err := redis.Int(conn.Do("DBSIZE"))
	require.NoError(t, err)
	return n
}

// dyingLocker takes the Redis lock of a key with a short lease and never
// releases it, as a process that dies while it holds the lock.
type dyingLocker struct {
	locker *redislock.Locker
	// failLock makes Lock return an error once it holds the lock, as a
	// process that died right after locking. Without it the refresh goes
	// on to the token call, and its unlock does nothing.
	failLock bool

	mu       sync.Mutex
	lockedAt time.Time
}

var errHolderDied = errors.New("lock holder died")

func (l *dyingLocker) Lock(ctx context.Context, key string) (func() error, error) {
	if _, err := l.locker.Lock(ctx, key); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.lockedAt = time.Now()
	l.mu.Unlock()
	if l.failLock {
		return nil, errHolderDied
	}
	return func() error { return nil }, nil
}

func (l *dyingLocker) locked() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lockedAt
}

// TestClusterDeadLockHolder leaves the lock of a ticket held by an
// instance that died. The other instance waits until the lease runs
// out, then refreshes once with a refresh token that was never spent.
func TestClusterDeadLockHolder(t *testing.T) {
	const lease = 2 * time.Second
	tests := []struct {
		name     string
		failLock bool
		// slow makes the dying instance's token call time out, as a
		// process that dies during it: the provider drops the request.
		slow          bool
		grants, fails int64
	}{
		{name: "after locking", failLock: true, grants: 1, fails: 0},
		{name: "during token call", slow: true, grants: 2, fails: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, redistest.Options{})
			dying := &dyingLocker{
				locker:   redislock.New(redistest.NewPool(t, c.redis.Addr()), redislock.Config{Lease: lease}),
				failLock: tt.failLock,
			}
			c.addInstance(func(cfg *refresh.Config) {
				cfg.Locker = dying
				if tt.slow {
					cfg.RefreshTimeout = 500 * time.Millisecond
				}
			})
			c.addInstance()
			u := c.newUser()
			u.on(1).login()
			before := u.on(0).token()
			if tt.slow {
				c.provider.SetFault(provider.Fault{Delay: 10 * time.Second})
			}
			c.clock.Advance(tokenTTL)

			res := u.getWith(0, "/api/me", "application/json")
			assert.Equal(t, http.StatusServiceUnavailable, res.status, res.body)
			require.False(t, dying.locked().IsZero(), "the dying instance did not lock")
			c.provider.SetFault(provider.Fault{})

			after := u.on(1).token()
			waited := time.Since(dying.locked())
			assert.NotEqual(t, before, after)
			assert.GreaterOrEqual(t, waited, lease-100*time.Millisecond, "refreshed before the lease ran out")
			assert.Less(t, waited, lease+2*time.Second, "waited much longer than the lease")
			assert.Equal(t, after, u.on(0).token(), "the dying instance sees the refreshed ticket")
			stats := c.provider.Stats()
			assert.Equal(t, tt.grants, stats.RefreshGrants)
			assert.Equal(t, tt.fails, stats.RefreshFailures)
		})
	}
}
