package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/refresh"
	"github.com/go-passport/passport/strategies/refresh/redislock"
)

// redisTimeout bounds connecting to Redis and each command, so that
// requests fail with 503 soon after Redis stops responding.
const redisTimeout = 2 * time.Second

// redisBackend keeps the demo's sessions and tickets in Redis and
// coordinates refreshes with the other instances that use the same
// server. A nil *redisBackend means the in-memory store of one instance.
type redisBackend struct {
	pool   *redis.Pool
	locker *redislock.Locker
	logger *slog.Logger
}

// openRedis connects to the Redis server at rawURL, such as
// redis://127.0.0.1:6379/0, and checks that it replies to PING.
func openRedis(rawURL string, logger *slog.Logger) (*redisBackend, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("invalid -redis-url %q: want redis://host:port/db", rawURL)
	}
	pool := &redis.Pool{
		MaxIdle:     16,
		IdleTimeout: 5 * time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.DialURL(rawURL,
				redis.DialConnectTimeout(redisTimeout),
				redis.DialReadTimeout(redisTimeout),
				redis.DialWriteTimeout(redisTimeout))
		},
		// A connection idle for a while may lead to a Redis server that
		// has restarted since. PING drops it before a request uses it.
		TestOnBorrow: func(conn redis.Conn, idleSince time.Time) error {
			if time.Since(idleSince) < time.Second {
				return nil
			}
			_, err := conn.Do("PING")
			return err
		},
	}
	if err := ping(pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %w", u.Redacted(), err)
	}
	logger.Info("sessions and tickets in Redis", "url", u.Redacted())
	return &redisBackend{pool: pool, locker: redislock.New(pool, redislock.Config{}), logger: logger}, nil
}

func ping(pool *redis.Pool) error {
	conn := pool.Get()
	defer conn.Close()
	_, err := conn.Do("PING")
	return err
}

// configure keeps the sessions of sessions in Redis and responds to a
// failed session load or save with 503 and a log line. Call it before wrapping
// the store with passport.GuardStore.
func (b *redisBackend) configure(sessions *scs.SessionManager) {
	if b == nil {
		return
	}
	sessions.Store = redisstore.New(b.pool)
	sessions.ErrorFunc = passport.SessionErrorFunc(b.logger)
}

// refreshLocker returns the lock that coordinates refreshes across
// instances, or nil for the in-process coordination of one instance.
func (b *redisBackend) refreshLocker() refresh.Locker {
	if b == nil {
		return nil
	}
	return b.locker
}

// Close closes the connections to Redis.
func (b *redisBackend) Close() error {
	if b == nil {
		return nil
	}
	return b.pool.Close()
}
