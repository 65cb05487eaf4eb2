//go:build linux || darwin

// The CPU-time metric of the refresh benchmark reads getrusage, which
// these systems have.

package refresh_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// These benchmarks measure what Authenticate("main") adds to a request on
// top of the scs session middleware. Handlers are called directly with an
// httptest.ResponseRecorder, so no socket is measured. The token endpoint
// is an http.Handler that the OAuth2 strategy reaches through
// handlerTransport, on the goroutine of the request.

// benchTokenLifetime is the expires_in of every token the endpoint issues.
const benchTokenLifetime = time.Hour

// Sizes of the issued tokens. The access and refresh tokens are as long as
// the HMAC tokens of the demo's provider (ory/fosite, 32-byte key and
// signature in base64). The ID token size is an estimate for an RS256 JWT
// with a few claims.
const (
	benchAccessTokenSize  = 87
	benchRefreshTokenSize = 87
	benchIDTokenSize      = 850
)

// tokenEndpoint issues numbered tokens for the password and refresh_token
// grants and records how long its ServeHTTP runs.
type tokenEndpoint struct {
	issued atomic.Int64
	calls  atomic.Int64
	// busy is the total time spent in ServeHTTP, in nanoseconds.
	busy atomic.Int64
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { e.busy.Add(int64(time.Since(start))) }()
	e.calls.Add(1)

	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	if user, password, ok := r.BasicAuth(); !ok || user != testClientID || password != testClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "password":
		if r.PostForm.Get("username") != testUser || r.PostForm.Get("password") != testPassword {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
		writeJSON(w, http.StatusOK, e.issue(true))
	case "refresh_token":
		if !strings.HasPrefix(r.PostForm.Get("refresh_token"), "refresh-") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
		writeJSON(w, http.StatusOK, e.issue(false))
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
	}
}

// issue returns a token response with a new access and refresh token, and
// an ID token if withIDToken is set.
func (e *tokenEndpoint) issue(withIDToken bool) map[string]any {
	n := e.issued.Add(1)
	body := map[string]any{
		"access_token":  benchToken("access-", n, benchAccessTokenSize),
		"refresh_token": benchToken("refresh-", n, benchRefreshTokenSize),
		"token_type":    "bearer",
		"expires_in":    int(benchTokenLifetime / time.Second),
		"scope":         "openid profile offline_access api",
	}
	if withIDToken {
		body["id_token"] = benchToken("eyJhbGciOiJSUzI1NiJ9.", n, benchIDTokenSize)
	}
	return body
}

// benchToken returns prefix and n padded with 'x' to size bytes.
func benchToken(prefix string, n int64, size int) string {
	token := fmt.Sprintf("%s%d.", prefix, n)
	return token + strings.Repeat("x", size-len(token))
}

// handlerTransport is an http.RoundTripper that serves each request with
// handler, in process.
type handlerTransport struct{ handler http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.handler.ServeHTTP(rec, req)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// benchClock is a clock that benchmarks move forward. It is atomic rather
// than locked, so that parallel requests do not contend on it.
type benchClock struct{ offset atomic.Int64 }

func (c *benchClock) Now() time.Time { return testStart.Add(time.Duration(c.offset.Load())) }

func (c *benchClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// benchStack is the scs session middleware with the memory store, an
// Authenticator with the refresh strategy as "main" and the local strategy
// as "local", and the token endpoint. Tickets are kept in the session
// store, as in the demo.
type benchStack struct {
	sessions *scs.SessionManager
	auth     *passport.Authenticator
	strategy *refresh.Strategy
	endpoint *tokenEndpoint
}

// benchConfig changes what newBenchStack builds.
type benchConfig struct {
	// now is the clock of the strategies; nil means time.Now.
	now func() time.Time
	// wrap, when set, replaces the session store, which also keeps the
	// tickets.
	wrap func(scs.Store) scs.Store
	// profile makes logins load the profile {"sub": username}, as the
	// demo's provider returns from its userinfo endpoint.
	profile bool
}

// newBenchStack builds the stack that cfg describes.
func newBenchStack(tb testing.TB, cfg benchConfig) *benchStack {
	tb.Helper()
	now := cfg.now
	st := &benchStack{sessions: scs.New(), endpoint: &tokenEndpoint{}}
	st.sessions.Cookie.Name = "bench_session"
	if cfg.wrap != nil {
		st.sessions.Store = cfg.wrap(st.sessions.Store)
	}
	st.auth = passport.New(st.sessions)
	st.auth.SerializeUser(refresh.SerializeUser)
	st.auth.DeserializeUser(refresh.DeserializeUser)

	st.strategy = refresh.New(refresh.Config{
		Store:          st.sessions.Store,
		TicketLifetime: st.sessions.Lifetime,
		Now:            now,
	})
	st.auth.Use("main", st.strategy)

	oauthConfig := oauth2.Config{
		AuthorizationURL: "http://provider.test/authorize",
		TokenURL:         "http://provider.test/token",
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		CallbackURL:      "/oauth/callback",
		HTTPClient:       &http.Client{Transport: handlerTransport{handler: st.endpoint}},
		Now:              now,
	}
	if cfg.profile {
		oauthConfig.ProfileLoader = func(context.Context, *oauth2.Token) (any, error) {
			return map[string]any{"sub": testUser}, nil
		}
	}
	oauthStrategy := oauth2.New(oauthConfig, st.strategy.OAuth2StrategyCallback())
	st.auth.Use("oauth", oauthStrategy)
	st.strategy.UseOAuth2Strategy(oauthStrategy)

	localStrategy := local.New(local.Config{}, st.strategy.LocalStrategyCallback())
	st.auth.Use("local", localStrategy)
	st.strategy.UseLocalStrategy(localStrategy)
	return st
}

// login logs testUser in with a form POST and returns the session cookie.
func (st *benchStack) login(tb testing.TB) *http.Cookie {
	tb.Helper()
	form := url.Values{"username": {testUser}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	loggedIn := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	st.sessions.LoadAndSave(st.auth.Authenticate("local")(loggedIn)).ServeHTTP(rec, req)
	require.Equal(tb, http.StatusNoContent, rec.Code, "login: %s", rec.Body.String())

	for _, cookie := range rec.Result().Cookies() {
		if cookie.Name == st.sessions.Cookie.Name {
			return cookie
		}
	}
	require.FailNow(tb, "login set no session cookie")
	return nil
}

// readUser is the handler of every benchmark: it reads one session key
// and writes it.
func (st *benchStack) readUser(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, st.sessions.GetString(r.Context(), passport.SessionUserKey))
}

// sessionOnly is readUser behind the session middleware.
func (st *benchStack) sessionOnly() http.Handler {
	return st.sessions.LoadAndSave(http.HandlerFunc(st.readUser))
}

// authenticated is readUser behind the session middleware and
// Authenticate("main").
func (st *benchStack) authenticated() http.Handler {
	return st.sessions.LoadAndSave(st.auth.Authenticate("main")(http.HandlerFunc(st.readUser)))
}

// sessionRequest returns a GET request that carries cookie.
func sessionRequest(cookie *http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	req.AddCookie(cookie)
	return req
}

// serveOK serves req with handler and reports whether the response was a
// 200 with a body.
func serveOK(handler http.Handler, req *http.Request) bool {
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec.Code == http.StatusOK && rec.Body.Len() > 0
}

// benchServe serves req with handler in the benchmark loop. Besides the
// wall-clock time it reports the CPU time of the process (cpu-ns/op),
// which other processes on a shared machine disturb less.
func benchServe(b *testing.B, handler http.Handler, req *http.Request) {
	require.True(b, serveOK(handler, req), "first request failed")
	cpuStart := processCPUTime(b)
	b.ReportAllocs()
	for b.Loop() {
		if !serveOK(handler, req) {
			b.Fatal("request failed")
		}
	}
	reportCPUTime(b, cpuStart)
}

// BenchmarkSessionOnly is the floor: a logged-in session loaded by the
// session middleware and one session key read, without Authenticate.
func BenchmarkSessionOnly(b *testing.B) {
	st := newBenchStack(b, benchConfig{})
	benchServe(b, st.sessionOnly(), sessionRequest(st.login(b)))
}

// BenchmarkAuthenticateValidSession is BenchmarkSessionOnly with
// Authenticate("main") restoring a ticket that needs no refresh.
func BenchmarkAuthenticateValidSession(b *testing.B) {
	st := newBenchStack(b, benchConfig{})
	benchServe(b, st.authenticated(), sessionRequest(st.login(b)))
}

// BenchmarkAuthenticateValidSessionProfile is
// BenchmarkAuthenticateValidSession for a user whose login loaded a
// profile, as the demo's logins do, so that the ticket record carries it.
func BenchmarkAuthenticateValidSessionProfile(b *testing.B) {
	st := newBenchStack(b, benchConfig{profile: true})
	benchServe(b, st.authenticated(), sessionRequest(st.login(b)))
}

// BenchmarkAuthenticateOverhead alternates the requests of
// BenchmarkSessionOnly and BenchmarkAuthenticateValidSession, one of each
// per iteration, and reports their mean wall-clock times (session-ns/op and
// auth-ns/op) and the ratio auth/session. On a shared machine, whose load
// changes between two benchmarks, this paired ratio is steadier than one
// computed from the two benchmarks.
func BenchmarkAuthenticateOverhead(b *testing.B) {
	st := newBenchStack(b, benchConfig{})
	sessionOnly, authenticated := st.sessionOnly(), st.authenticated()
	req := sessionRequest(st.login(b))
	require.True(b, serveOK(authenticated, req), "first request failed")
	var sessionTime, authTime time.Duration

	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		ok := serveOK(sessionOnly, req)
		middle := time.Now()
		ok = serveOK(authenticated, req) && ok
		sessionTime += middle.Sub(start)
		authTime += time.Since(middle)
		if !ok {
			b.Fatal("request failed")
		}
	}
	b.ReportMetric(float64(sessionTime)/float64(b.N), "session-ns/op")
	b.ReportMetric(float64(authTime)/float64(b.N), "auth-ns/op")
	b.ReportMetric(float64(authTime)/float64(sessionTime), "auth/session")
}

// BenchmarkAuthenticateRefresh serves requests that each refresh the
// access token: the clock moves forward by the token lifetime before each
// one. It reports the time spent inside the token endpoint's handler
// (endpoint-ns/op) beside the CPU time of the whole process (cpu-ns/op,
// user and system, from getrusage), so that a request with a refresh costs
// cpu-ns/op minus endpoint-ns/op besides the token endpoint.
func BenchmarkAuthenticateRefresh(b *testing.B) {
	clock := &benchClock{}
	st := newBenchStack(b, benchConfig{now: clock.Now})
	handler := st.authenticated()
	req := sessionRequest(st.login(b))
	calls, busy := st.endpoint.calls.Load(), st.endpoint.busy.Load()
	cpuStart := processCPUTime(b)

	b.ReportAllocs()
	for b.Loop() {
		clock.advance(benchTokenLifetime)
		if !serveOK(handler, req) {
			b.Fatal("request failed")
		}
	}

	reportCPUTime(b, cpuStart)
	refreshes := st.endpoint.calls.Load() - calls
	if refreshes != int64(b.N) {
		b.Fatalf("%d token calls for %d requests, expected one each", refreshes, b.N)
	}
	b.ReportMetric(float64(st.endpoint.busy.Load()-busy)/float64(b.N), "endpoint-ns/op")
}

// BenchmarkRefreshConcurrent sends 8 concurrent requests of one session
// whose access token has just entered the refresh window, and reports the
// token calls per round (refreshes/op), which must be 1.
func BenchmarkRefreshConcurrent(b *testing.B) {
	const requests = 8
	clock := &benchClock{}
	st := newBenchStack(b, benchConfig{now: clock.Now})
	handler := st.authenticated()
	cookie := st.login(b)
	calls := st.endpoint.calls.Load()
	var failed atomic.Int64

	b.ReportAllocs()
	for b.Loop() {
		clock.advance(benchTokenLifetime)
		var wg sync.WaitGroup
		for range requests {
			req := sessionRequest(cookie)
			wg.Go(func() {
				if !serveOK(handler, req) {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
	}

	require.Zero(b, failed.Load(), "failed requests")
	refreshes := st.endpoint.calls.Load() - calls
	b.ReportMetric(float64(refreshes)/float64(b.N), "refreshes/op")
	if refreshes != int64(b.N) {
		b.Fatalf("%d token calls for %d rounds of %d requests, expected one per round", refreshes, b.N, requests)
	}
}

// BenchmarkAuthenticateParallel is BenchmarkAuthenticateValidSession from
// GOMAXPROCS goroutines, each with its own session or all sharing one.
// session-only is the floor for per-goroutine-session.
func BenchmarkAuthenticateParallel(b *testing.B) {
	st := newBenchStack(b, benchConfig{})
	cookies := make([]*http.Cookie, runtime.GOMAXPROCS(0))
	for i := range cookies {
		cookies[i] = st.login(b)
	}

	b.Run("per-goroutine-session", func(b *testing.B) {
		benchParallel(b, st.authenticated(), cookies)
	})
	b.Run("shared-session", func(b *testing.B) {
		benchParallel(b, st.authenticated(), cookies[:1])
	})
	b.Run("session-only", func(b *testing.B) {
		benchParallel(b, st.sessionOnly(), cookies)
	})
}

// benchParallel serves handler from parallel goroutines, the n-th of them
// with the session of cookies[n % len(cookies)].
func benchParallel(b *testing.B, handler http.Handler, cookies []*http.Cookie) {
	var next atomic.Int64
	var failed atomic.Int64
	cpuStart := processCPUTime(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := sessionRequest(cookies[int(next.Add(1)-1)%len(cookies)])
		for pb.Next() {
			if !serveOK(handler, req) {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	reportCPUTime(b, cpuStart)
	require.Zero(b, failed.Load(), "failed requests")
}

// reportCPUTime reports the CPU time of the process since start, per
// operation, as cpu-ns/op.
func reportCPUTime(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPUTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// processCPUTime returns the user and system CPU time of the process.
func processCPUTime(tb testing.TB) time.Duration {
	var usage syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &usage))
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// sizingStore is a session store that keeps the length of the last record
// committed under each key.
type sizingStore struct {
	scs.Store

	mu    sync.Mutex
	sizes map[string]int
}

func (s *sizingStore) Commit(key string, record []byte, expiry time.Time) error {
	s.mu.Lock()
	s.sizes[key] = len(record)
	s.mu.Unlock()
	return s.Store.Commit(key, record, expiry)
}

func (s *sizingStore) Delete(key string) error {
	s.mu.Lock()
	delete(s.sizes, key)
	s.mu.Unlock()
	return s.Store.Delete(key)
}

// total returns the number of records and the sum of their lengths.
func (s *sizingStore) total() (records, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, size := range s.sizes {
		bytes += size
	}
	return len(s.sizes), bytes
}

// storeOverheadBudget is the maximum number of bytes that one logged-in
// session may keep in the store besides its access, refresh and ID tokens.
const storeOverheadBudget = 300

// TestStoreOverhead measures the bytes that one logged-in session keeps in
// the memory store, its session entry and its ticket record, minus the
// lengths of its tokens, after the login and after a refresh.
func TestStoreOverhead(t *testing.T) {
	clock := &benchClock{}
	store := &sizingStore{sizes: make(map[string]int)}
	st := newBenchStack(t, benchConfig{now: clock.Now, wrap: func(s scs.Store) scs.Store {
		store.Store = s
		return store
	}})
	var ticket *refresh.Ticket
	handler := st.sessions.LoadAndSave(st.auth.Authenticate("main")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			ticket = st.strategy.Ticket(r)
			w.WriteHeader(http.StatusOK)
		})))
	cookie := st.login(t)

	for _, step := range []struct {
		name    string
		advance time.Duration
	}{
		{name: "login", advance: 0},
		{name: "refresh", advance: benchTokenLifetime},
	} {
		clock.advance(step.advance)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, sessionRequest(cookie))
		require.Equal(t, http.StatusOK, rec.Code, step.name)
		require.NotNil(t, ticket, step.name)

		records, bytes := store.total()
		tokens := len(ticket.AccessToken) + len(ticket.RefreshToken) + len(ticket.IDToken)
		t.Logf("%s: %d records, %d bytes, %d of them tokens, overhead %d bytes",
			step.name, records, bytes, tokens, bytes-tokens)
		assert.Equal(t, 2, records, "%s: a session entry and a ticket record", step.name)
		assert.LessOrEqual(t, bytes-tokens, storeOverheadBudget, "%s: overhead", step.name)
	}
	assert.Equal(t, int64(2), st.endpoint.calls.Load(), "a password grant and a refresh")
}
