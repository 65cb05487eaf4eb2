package redislock_test

import (
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/go-passport/passport/strategies/refresh"
	"github.com/go-passport/passport/strategies/refresh/redislock"
)

// The locker goes into the refresh strategy's Config. refresh.New checks
// that its lease outlasts a refresh; nothing connects to Redis until the
// first lock.
func Example() {
	pool := &redis.Pool{
		Dial: func() (redis.Conn, error) {
			return redis.DialURL("redis://127.0.0.1:6379/0", redis.DialConnectTimeout(time.Second))
		},
	}
	defer pool.Close()

	locker := redislock.New(pool, redislock.Config{})
	refresh.New(refresh.Config{Locker: locker, RefreshTimeout: 15 * time.Second})
	fmt.Println("lease:", locker.Lease())
	// Output: lease: 30s
}
