package redislock_test

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startRedis starts a redis-server without persistence on a free loopback
// port and returns its address. The server stops when the test ends. The
// test is skipped when redis-server is not installed, unless
// PASSPORT_REQUIRE_REDIS=1 makes that a failure.
func startRedis(t *testing.T) string {
	t.Helper()
	binary, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("PASSPORT_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not found and PASSPORT_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redis-server not found; install it (Debian: apt-get install redis-server) to run this test")
	}
	port := freePort(t)
	cmd := exec.Command(binary, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	require.Eventually(t, func() bool { return ping(addr) == nil }, 10*time.Second, 20*time.Millisecond,
		"redis-server did not reply to PING on %s", addr)
	return addr
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func ping(addr string) error {
	conn, err := redis.Dial("tcp", addr, redis.DialConnectTimeout(time.Second), redis.DialReadTimeout(time.Second))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Do("PING")
	return err
}

// newPool returns a pool of connections to addr with short timeouts,
// closed when the test ends.
func newPool(t *testing.T, addr string) *redis.Pool {
	t.Helper()
	pool := &redis.Pool{
		MaxIdle: 4,
		Dial: func() (redis.Conn, error) {
			return redis.Dial("tcp", addr,
				redis.DialConnectTimeout(time.Second),
				redis.DialReadTimeout(time.Second),
				redis.DialWriteTimeout(time.Second))
		},
	}
	t.Cleanup(func() { _ = pool.Close() })
	return pool
}
