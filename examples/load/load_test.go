package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fakeDemo serves POST /login, which sets the cookie session=N for the
// N-th login, GET /api/me, which requires such a cookie, and, when
// sessionRoute is set, GET /api/me-session.
type fakeDemo struct {
	logins   atomic.Int64
	requests atomic.Int64

	mu      sync.Mutex
	cookies map[string]int // requests per "path cookie"
}

func startFakeDemo(t *testing.T, sessionRoute bool) (*fakeDemo, *httptest.Server) {
	t.Helper()
	d := &fakeDemo{cookies: make(map[string]int)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("username") != "alice" || r.PostFormValue("password") != "wonderland" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: fmt.Sprint(d.logins.Add(1))})
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /api/me", d.me)
	if sessionRoute {
		mux.HandleFunc("GET /api/me-session", d.me)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return d, server
}

func (d *fakeDemo) me(w http.ResponseWriter, r *http.Request) {
	d.requests.Add(1)
	cookie, err := r.Cookie("session")
	if err != nil {
		http.Error(w, "no session", http.StatusUnauthorized)
		return
	}
	d.mu.Lock()
	d.cookies[r.URL.Path+" "+cookie.Value]++
	d.mu.Unlock()
	_, _ = io.WriteString(w, `{"user":"alice"}`)
}

func testOptions(baseURL string) options {
	return options{
		baseURL:     baseURL,
		users:       3,
		workers:     2,
		duration:    300 * time.Millisecond,
		maxRequests: 1_000_000,
		timeout:     time.Second,
		path:        "/api/me",
		sessionPath: "/api/me-session",
		mode:        modeCompare,
		rounds:      1,
		username:    "alice",
		password:    "wonderland",
	}
}

// TestRunCompare runs both routes twice and checks the report and that
// every user's session was used on both.
func TestRunCompare(t *testing.T) {
	d, server := startFakeDemo(t, true)
	o := testOptions(server.URL)
	o.rounds = 2
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), o, &out))

	report := out.String()
	assert.Contains(t, report, "logged in 3 users")
	for _, round := range []string{"1", "2"} {
		assert.Regexp(t, round+`\s+/api/me-session\s+\d+`, report)
		assert.Regexp(t, round+`\s+/api/me\s+\d+`, report)
	}
	assert.Regexp(t, `throughput of /api/me relative to /api/me-session: median \d+\.\d% over 2 rounds \(\d+\.\d%, \d+\.\d%\)`, report)
	assert.NotContains(t, report, "error in")
	assert.Equal(t, int64(3), d.logins.Load())
	d.mu.Lock()
	defer d.mu.Unlock()
	assert.Len(t, d.cookies, 6, "requests rotate across the sessions on both routes")
}

// TestTargeter checks the order of the sessions and the count limit.
func TestTargeter(t *testing.T) {
	targeter := newTargeter("a", []session{{cookie: "1"}, {cookie: "2"}, {cookie: "3"}}, 5)
	var got []string
	for {
		var target vegeta.Target
		if err := targeter(&target); err != nil {
			assert.ErrorIs(t, err, vegeta.ErrNoTargets)
			break
		}
		assert.Equal(t, http.MethodGet, target.Method)
		got = append(got, target.URL+target.Header.Get("Cookie"))
	}
	assert.Equal(t, []string{"a1", "a2", "a3", "a1", "a2"}, got)
}

// TestRunMaxRequests checks that a run stops after -max-requests.
func TestRunMaxRequests(t *testing.T) {
	d, server := startFakeDemo(t, false)
	o := testOptions(server.URL)
	o.mode = modeProtected
	o.maxRequests = 50
	o.duration = 10 * time.Second
	var out bytes.Buffer
	start := time.Now()
	require.NoError(t, run(context.Background(), o, &out))
	assert.Less(t, time.Since(start), 5*time.Second)
	// One request checks the route before the run.
	assert.Equal(t, int64(51), d.requests.Load())
	assert.Regexp(t, `1\s+/api/me\s+50\s`, out.String())
}

// TestRunErrors checks that responses other than 200 are counted as
// errors.
func TestRunErrors(t *testing.T) {
	var calls atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "1"})
		w.WriteHeader(http.StatusSeeOther)
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 0 {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "{}")
	})
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	o := testOptions(server.URL)
	o.mode = modeProtected
	// The check before the run gets a 200, then the run gets 10 responses of
	// 200 and 11 redirects.
	o.maxRequests = 21

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), o, &out))
	assert.Regexp(t, `1\s+/api/me\s+21\s+\d+\s+\S+\s+\S+\s+\S+\s+11\s`, out.String())
	assert.Contains(t, out.String(), "error in round 1 on /api/me: 11 responses with status 302")
}

// TestRunMissingSessionRoute checks the advice given when the demo has no
// session-only route.
func TestRunMissingSessionRoute(t *testing.T) {
	_, server := startFakeDemo(t, false)
	err := run(context.Background(), testOptions(server.URL), io.Discard)
	assert.ErrorContains(t, err, "DEMO_BENCH_ROUTES=1")
}

// TestRunWrongPassword checks that a failed login stops the program.
func TestRunWrongPassword(t *testing.T) {
	_, server := startFakeDemo(t, true)
	o := testOptions(server.URL)
	o.password = "wrong"
	err := run(context.Background(), o, io.Discard)
	assert.ErrorContains(t, err, "status 401, expected 303")
}

// TestParseFlags checks the defaults and the rejected values.
func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080", o.baseURL)
	assert.Equal(t, "/api/me", o.path)
	assert.Equal(t, modeProtected, o.mode)
	assert.Equal(t, 10*time.Second, o.duration)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "remote host", args: []string{"-base-url", "http://example.com"}, want: "loopback"},
		{name: "private address", args: []string{"-base-url", "http://10.0.0.1:8080"}, want: "loopback"},
		{name: "scheme", args: []string{"-base-url", "ftp://127.0.0.1"}, want: "http or https"},
		{name: "mode", args: []string{"-mode", "fast"}, want: "-mode"},
		{name: "workers", args: []string{"-workers", "0"}, want: "-workers"},
		{name: "users", args: []string{"-users", "0"}, want: "-users"},
		{name: "duration", args: []string{"-duration", "0s"}, want: "-duration"},
		{name: "max requests", args: []string{"-max-requests", "0"}, want: "-max-requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestLoopbackURL checks the accepted base URLs.
func TestLoopbackURL(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8080/", "http://localhost:1", "https://[::1]:8443", "http://127.1.2.3"} {
		got, err := loopbackURL(raw)
		assert.NoError(t, err, raw)
		assert.False(t, strings.HasSuffix(got, "/"), raw)
	}
}
