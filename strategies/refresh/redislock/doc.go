// Package redislock implements the [refresh.Locker] of the refresh strategy
// with Redis, so that app instances that share a Redis session store also
// share one refresh per ticket. It is a module of its own, so that users
// of the refresh strategy who do not need Redis do not inherit its
// dependencies.
//
// A [Locker] takes the same redigo pool as scs's redisstore:
//
//	pool := &redis.Pool{
//		MaxIdle:     10,
//		IdleTimeout: 5 * time.Minute,
//		Dial: func() (redis.Conn, error) {
//			return redis.DialURL("redis://127.0.0.1:6379/0",
//				redis.DialConnectTimeout(time.Second),
//				redis.DialReadTimeout(time.Second),
//				redis.DialWriteTimeout(time.Second))
//		},
//	}
//	defer pool.Close()
//
//	sessions := scs.New()
//	sessions.Store = passport.GuardStore(redisstore.New(pool), sessions.Lifetime)
//	sessions.ErrorFunc = passport.SessionErrorFunc(logger)
//	refreshStrategy := refresh.New(refresh.Config{
//		Store:          sessions.Store,
//		TicketLifetime: sessions.Lifetime,
//		Locker:         redislock.New(pool, redislock.Config{}),
//	})
//
// Dial with read and write timeouts: a Redis server that accepts
// connections but does not respond would otherwise block every lock
// attempt, and every session load, for as long as it hangs.
//
// # Lease, retries and guarantees
//
// A lock is a Redis key set with SET NX PX to a random value, through
// github.com/go-redsync/redsync/v4 with one Redis server. It expires after
// [Config.Lease] (30 s by default) unless its holder unlocks it first,
// so a process that dies while it holds a lock delays the refreshes of
// that ticket by at most the lease. The lease must be at least the refresh
// strategy's RefreshTimeout plus [refresh.MinLeaseMargin]; refresh.New
// checks that through [Locker.Lease]. Unlock deletes the key only while it
// still has the holder's value, so a holder whose lease ended never
// releases the lock of the next holder.
//
// [Locker.Lock] tries to set the key, and while another holder has it,
// tries again after a random delay of up to [Config.RetryDelay] until its
// context ends. A Redis error ends Lock at once, without retrying, so
// that requests fail fast while Redis is down.
//
// While the lease lasts and Redis keeps its data, at most one process
// holds the lock of a key. The lock does NOT guarantee that in three
// cases: a holder that works past its lease (a process paused by the
// operating system or a debugger), a Redis primary that fails over to a
// replica that had not received the key yet, and a Redis server that
// restarts without persistence. Redis measures the lease with its own clock, so clock skew
// between app hosts does not shorten it, but a Redis host whose clock
// jumps forward can expire keys early. Redsync's multi-server Redlock
// mode is not used.
package redislock
