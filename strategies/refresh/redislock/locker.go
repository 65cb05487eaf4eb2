package redislock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-redsync/redsync/v4"
	redsyncredigo "github.com/go-redsync/redsync/v4/redis/redigo"
	"github.com/gomodule/redigo/redis"

	"github.com/go-passport/passport/strategies/refresh"
)

// Defaults of [Config].
const (
	DefaultLease      = 30 * time.Second
	DefaultRetryDelay = 100 * time.Millisecond
	DefaultPrefix     = "passport.lock:"
)

// unlockTimeout bounds the wait for a pool connection when unlocking.
const unlockTimeout = 5 * time.Second

// ErrLeaseExpired is returned by the unlock function of a lock whose lease
// had ended before the unlock, so that another process may have held the
// lock meanwhile.
var ErrLeaseExpired = errors.New("redislock: lock lease expired before unlock")

// Config configures a [Locker]. The zero value is usable.
type Config struct {
	// Lease is how long a lock is held at most, when its holder does not
	// unlock it first. It must be at least the refresh strategy's
	// RefreshTimeout plus refresh.MinLeaseMargin. Default 30 s.
	Lease time.Duration

	// RetryDelay is the longest wait between two attempts to take a lock
	// that another process holds. Each wait is random, between half of it
	// and all of it, so that waiting processes do not retry in step.
	// Default 100 ms.
	RetryDelay time.Duration

	// Prefix is put before each key to form the Redis key of its lock.
	// Default "passport.lock:".
	Prefix string
}

// Locker is a [refresh.LeasedLocker] backed by one Redis server. Create
// it with [New]; it is safe for concurrent use.
type Locker struct {
	redsync *redsync.Redsync
	cfg     Config
}

var _ refresh.LeasedLocker = (*Locker)(nil)

// New returns a Locker that keeps its locks in the Redis server of pool.
// Dial the pool's connections with read and write timeouts (see the
// package documentation). New panics on a nil pool.
func New(pool *redis.Pool, cfg Config) *Locker {
	if pool == nil {
		panic("redislock: New: nil pool")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	return &Locker{redsync: redsync.New(redsyncredigo.NewPool(pool)), cfg: cfg}
}

// Lease returns [Config.Lease].
func (l *Locker) Lease() time.Duration { return l.cfg.Lease }

// Lock implements [refresh.Locker]. It waits while another holder has the
// lock of key, until ctx ends, and returns an error at once when Redis
// fails. The unlock function returns [ErrLeaseExpired] when the lease had
// ended before it ran.
func (l *Locker) Lock(ctx context.Context, key string) (func() error, error) {
	name := l.cfg.Prefix + key
	mutex := l.redsync.NewMutex(name, redsync.WithExpiry(l.cfg.Lease))
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("redislock: cannot lock %s: still held when the wait ended: %w", name, err)
		}
		err := mutex.TryLockContext(ctx)
		if err == nil {
			return func() error { return unlock(mutex) }, nil
		}
		if !isHeld(err) {
			return nil, fmt.Errorf("redislock: cannot lock %s: %w", name, err)
		}
		l.sleep(ctx)
	}
}

// isHeld reports whether a failed attempt found the lock held by another
// holder, rather than Redis failing.
func isHeld(err error) bool {
	var taken *redsync.ErrTaken
	// ErrFailed without a Redis error: the key was set, but setting it
	// took longer than the lease, so it has been deleted again.
	return errors.As(err, &taken) || errors.Is(err, redsync.ErrFailed)
}

// sleep waits a random delay of up to RetryDelay, or until ctx ends.
func (l *Locker) sleep(ctx context.Context) {
	half := l.cfg.RetryDelay / 2
	timer := time.NewTimer(half + rand.N(half+1))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// unlock deletes the lock key of mutex if it still has mutex's value.
func unlock(mutex *redsync.Mutex) error {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	ok, err := mutex.UnlockContext(ctx)
	var taken *redsync.ErrTaken
	switch {
	case ok:
		return nil
	case errors.Is(err, redsync.ErrLockAlreadyExpired) || errors.As(err, &taken):
		// The key is gone, or another holder set it after the lease.
		return fmt.Errorf("%w: %s", ErrLeaseExpired, mutex.Name())
	case err == nil:
		return fmt.Errorf("redislock: cannot unlock %s", mutex.Name())
	}
	return fmt.Errorf("redislock: cannot unlock %s: %w", mutex.Name(), err)
}
