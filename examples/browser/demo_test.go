package browser

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	// tokenTTL is the access-token lifetime that the demo's provider
	// issues, and refreshWindow how long before expiry the demo refreshes.
	tokenTTL      = 3 * time.Second
	refreshWindow = 1 * time.Second

	// startTimeout bounds the demo's start, and stopTimeout its graceful
	// shutdown before it is killed.
	startTimeout = 20 * time.Second
	stopTimeout  = 5 * time.Second
)

// demo is a running refresh demo: the app at URL and the embedded provider,
// in one subprocess whose log output is kept.
type demo struct {
	URL         string // the app, "http://127.0.0.1:port"
	ProviderURL string // the embedded provider
	logs        *lockedBuffer
}

var (
	buildOnce sync.Once
	demoPath  string
	buildErr  error
)

// demoBinary builds examples/refresh once per test run.
func demoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		demoPath = filepath.Join(binDir, "refresh-demo")
		out, err := exec.Command("go", "build", "-o", demoPath, "github.com/go-passport/passport/examples/refresh").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build of the demo failed: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return demoPath
}

// startDemo runs the demo on free loopback ports until the test ends. A
// port that another process takes between the lookup and the demo's listen
// makes the demo exit, so the start is tried up to three times.
func startDemo(t *testing.T) *demo {
	t.Helper()
	bin := demoBinary(t)
	var err error
	for range 3 {
		var d *demo
		if d, err = tryStartDemo(t, bin); err == nil {
			return d
		}
	}
	require.NoError(t, err)
	return nil
}

func tryStartDemo(t *testing.T, bin string) (*demo, error) {
	appAddr, providerAddr := freeAddr(t), freeAddr(t)
	logs := &lockedBuffer{}
	cmd := exec.Command(bin,
		"-addr", appAddr, "-provider-addr", providerAddr,
		"-token-ttl", tokenTTL.String(), "-refresh-window", refreshWindow.String())
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the demo: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	if err := waitListening(exited, appAddr, providerAddr); err != nil {
		stopDemo(cmd, exited)
		return nil, fmt.Errorf("%w; demo output:\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		stopDemo(cmd, exited)
		if t.Failed() {
			t.Logf("demo output:\n%s", logs.String())
		}
	})
	return &demo{URL: "http://" + appAddr, ProviderURL: "http://" + providerAddr, logs: logs}, nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// waitListening polls addrs until each accepts a connection, the demo
// exits, or startTimeout passes.
func waitListening(exited <-chan struct{}, addrs ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var dialer net.Dialer
	for _, addr := range addrs {
		for {
			conn, err := dialer.DialContext(ctx, "tcp", addr)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("the demo exited before it listened on %s", addr)
			case <-ctx.Done():
				return fmt.Errorf("the demo did not listen on %s within %s", addr, startTimeout)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// stopDemo sends the demo SIGTERM, and kills it after stopTimeout.
func stopDemo(cmd *exec.Cmd, exited <-chan struct{}) {
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = cmd.Process.Kill()
	}
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// refreshGrants counts the refresh_token grants that the demo's provider
// logged as issued.
func (d *demo) refreshGrants() int {
	n := 0
	for line := range strings.Lines(d.logs.String()) {
		if strings.Contains(line, `msg="provider: token issued"`) && strings.Contains(line, "grant_type=refresh_token") {
			n++
		}
	}
	return n
}

// lockedBuffer collects the demo's output, which os/exec copies from
// another goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
