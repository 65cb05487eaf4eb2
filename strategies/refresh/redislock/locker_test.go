package redislock_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
	"github.com/go-passport/passport/strategies/refresh/redislock"
)

// TestLockMutualExclusion runs critical sections of one key from two
// Lockers with their own pools, as two processes would: no two overlap.
func TestLockMutualExclusion(t *testing.T) {
	addr := startRedis(t)
	lockers := []*redislock.Locker{
		redislock.New(newPool(t, addr), redislock.Config{RetryDelay: 10 * time.Millisecond}),
		redislock.New(newPool(t, addr), redislock.Config{RetryDelay: 10 * time.Millisecond}),
	}
	var inside, overlaps, sections atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			unlock, err := lockers[i%2].Lock(ctx, "key")
			if err != nil {
				errs <- err
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			sections.Add(1)
			if err := unlock(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, int32(20), sections.Load())
	assert.Equal(t, int32(0), overlaps.Load())
}

// TestLockKeysIndependent checks that holding one key does not block
// another.
func TestLockKeysIndependent(t *testing.T) {
	locker := redislock.New(newPool(t, startRedis(t)), redislock.Config{})
	unlockA, err := locker.Lock(context.Background(), "a")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	unlockB, err := locker.Lock(ctx, "b")
	require.NoError(t, err)
	assert.NoError(t, unlockB())
	assert.NoError(t, unlockA())
}

// TestLockLeaseExpiry leaves a lock held by a holder that never unlocks:
// the next Lock gets it once the lease has run out, and the late unlock
// of the first holder reports the expiry without releasing the second.
func TestLockLeaseExpiry(t *testing.T) {
	const lease = 300 * time.Millisecond
	addr := startRedis(t)
	dead := redislock.New(newPool(t, addr), redislock.Config{Lease: lease})
	waiter := redislock.New(newPool(t, addr), redislock.Config{Lease: lease, RetryDelay: 20 * time.Millisecond})

	start := time.Now()
	unlockDead, err := dead.Lock(context.Background(), "key")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlockWaiter, err := waiter.Lock(ctx, "key")
	require.NoError(t, err)
	waited := time.Since(start)
	assert.GreaterOrEqual(t, waited, lease-20*time.Millisecond)
	assert.Less(t, waited, lease+time.Second)

	assert.ErrorIs(t, unlockDead(), redislock.ErrLeaseExpired)
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	_, err = dead.Lock(short, "key")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the late unlock released the new holder's lock")
	assert.NoError(t, unlockWaiter())
}

// TestLockContextEnds checks that Lock stops waiting for a held lock when
// its context ends.
func TestLockContextEnds(t *testing.T) {
	tests := []struct {
		name   string
		cancel func() (context.Context, context.CancelFunc)
		want   error
	}{
		{name: "deadline", want: context.DeadlineExceeded, cancel: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}},
		{name: "canceled", want: context.Canceled, cancel: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locker := redislock.New(newPool(t, startRedis(t)), redislock.Config{})
			unlock, err := locker.Lock(context.Background(), "key")
			require.NoError(t, err)
			defer unlock()

			ctx, cancel := tt.cancel()
			defer cancel()
			start := time.Now()
			_, err = locker.Lock(ctx, "key")
			assert.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "still held")
			assert.Less(t, time.Since(start), 2*time.Second)
		})
	}
}

// TestLockRedisDown checks that Lock fails at once, without waiting for
// its context, when Redis does not accept connections.
func TestLockRedisDown(t *testing.T) {
	// Nothing listens on a port that was just free.
	locker := redislock.New(newPool(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))), redislock.Config{})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := locker.Lock(ctx, "key")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redislock: cannot lock passport.lock:key")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// TestNewDefaults checks the defaults and that refresh.New accepts the
// default lease with the default RefreshTimeout.
func TestNewDefaults(t *testing.T) {
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return nil, redis.ErrPoolExhausted }}
	locker := redislock.New(pool, redislock.Config{})
	assert.Equal(t, redislock.DefaultLease, locker.Lease())
	assert.NotPanics(t, func() { refresh.New(refresh.Config{Locker: locker}) })
	assert.Panics(t, func() {
		refresh.New(refresh.Config{Locker: locker, RefreshTimeout: redislock.DefaultLease})
	})
	assert.PanicsWithValue(t, "redislock: New: nil pool", func() { redislock.New(nil, redislock.Config{}) })
}
