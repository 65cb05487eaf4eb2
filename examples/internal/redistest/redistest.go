// Package redistest runs redis-server processes for the tests of the
// examples module. Each test starts its own server on a free loopback
// port, so tests never touch a Redis server that they did not start.
//
// A test that needs Redis is skipped when redis-server is not installed,
// unless the environment sets PASSPORT_REQUIRE_REDIS=1, which makes that a
// failure (CI sets it). Debian installs the binary with
// apt-get install redis-server.
package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// RequireEnv is the environment variable that turns a missing
// redis-server from a skip into a failure when set to "1".
const RequireEnv = "PASSPORT_REQUIRE_REDIS"

// startTimeout bounds the wait for a started server to reply to PING.
const startTimeout = 10 * time.Second

// Options configures a [Server].
type Options struct {
	// Persistent keeps the data in an append-only file in a temporary
	// directory, so that [Server.Stop] and [Server.Start] keep it, as a
	// production server configured for durability would. Without it the
	// server keeps nothing on disk (--save '' --appendonly no).
	Persistent bool
}

// Server is a redis-server process that a test started. Its methods are
// safe for concurrent use.
type Server struct {
	t      testing.TB
	binary string
	port   int
	dir    string
	opts   Options

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a redis-server on a free loopback port and waits until it
// replies to PING. The server stops when the test ends. Start skips the test
// when redis-server is missing, or fails it if RequireEnv is "1".
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	binary, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("redistest: redis-server not found and %s=1: %v", RequireEnv, err)
		}
		t.Skipf("redistest: redis-server not found (Debian: apt-get install redis-server): %v", err)
	}
	s := &Server{t: t, binary: binary, port: freePort(t), dir: t.TempDir(), opts: opts}
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// Addr returns the server's host:port.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns the redis:// URL of database 0 of the server.
func (s *Server) URL() string {
	return "redis://" + s.Addr() + "/0"
}

// Start starts the server again after [Server.Stop], on the same port and
// with the same directory. It does nothing if the server runs.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	logFile, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatalf("redistest: cannot create the server log: %v", err)
	}
	defer logFile.Close()
	cmd := exec.Command(s.binary, s.args()...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redistest: cannot start redis-server: %v", err)
	}
	s.cmd = cmd
	if err := waitReady(s.Addr()); err != nil {
		s.t.Fatalf("redistest: redis-server on %s did not start: %v (log in %s)", s.Addr(), err, s.dir)
	}
}

func (s *Server) args() []string {
	appendOnly := "no"
	if s.opts.Persistent {
		appendOnly = "yes"
	}
	return []string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", appendOnly, "--dir", s.dir,
	}
}

// Stop stops the server with SIGTERM and waits for it to exit. A
// persistent server writes its append-only file before it exits. Stop
// does nothing if the server is not running.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// NewPool returns a redigo pool for addr, closed when the test ends. Its
// connections time out after a second, so that requests fail fast while
// the server is down, and are checked with PING before each use, so that
// none of them reaches a request after [Server.Stop] and [Server.Start].
func NewPool(t testing.TB, addr string) *redis.Pool {
	pool := &redis.Pool{
		MaxIdle:     8,
		IdleTimeout: time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.Dial("tcp", addr,
				redis.DialConnectTimeout(time.Second),
				redis.DialReadTimeout(time.Second),
				redis.DialWriteTimeout(time.Second))
		},
		TestOnBorrow: func(conn redis.Conn, _ time.Time) error {
			_, err := conn.Do("PING")
			return err
		},
	}
	t.Cleanup(func() { _ = pool.Close() })
	return pool
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: cannot find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady waits until the server at addr replies to PING.
func waitReady(addr string) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(addr)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no reply to PING within %s: %w", startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
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
