package passport_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// user is the user type of the tests. It is kept in the session by its ID.
type user struct {
	ID   string
	Name string
}

// fixture is an Authenticator served over real HTTP. Routes under /raw/ run
// without the session middleware; every other route runs inside
// LoadAndSave.
type fixture struct {
	t        *testing.T
	sessions *scs.SessionManager
	store    *memstore.MemStore
	auth     *passport.Authenticator
	mux      *http.ServeMux
	raw      *http.ServeMux
	server   *httptest.Server
	client   *http.Client
	users    *userDB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		t:        t,
		sessions: scs.New(),
		mux:      http.NewServeMux(),
		raw:      http.NewServeMux(),
		users:    newUserDB(),
	}
	store, ok := f.sessions.Store.(*memstore.MemStore)
	require.True(t, ok, "scs.New must use the memory store")
	f.store = store
	f.auth = passport.New(f.sessions)
	f.auth.SerializeUser(serializeUser)
	f.auth.DeserializeUser(f.users.deserialize)

	withSessions := f.sessions.LoadAndSave(f.mux)
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/raw/") {
			f.raw.ServeHTTP(w, r)
			return
		}
		withSessions.ServeHTTP(w, r)
	}))
	t.Cleanup(f.server.Close)
	f.client = newClient(t)
	return f
}

// newClient returns a client with a cookie jar that does not follow
// redirects, so tests see each redirect response.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func serializeUser(_ context.Context, u any) (string, error) {
	if u, ok := u.(*user); ok {
		return u.ID, nil
	}
	return "", passport.ErrPass
}

// userDB is the user store that the deserializer reads. Tests delete users
// from it or make it fail.
type userDB struct {
	mu    sync.Mutex
	users map[string]*user
	err   error
}

func newUserDB() *userDB {
	return &userDB{users: map[string]*user{
		"alice": {ID: "alice", Name: "Alice"},
		"bob":   {ID: "bob", Name: "Bob"},
	}}
}

func (db *userDB) deserialize(_ context.Context, id string) (any, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.err != nil {
		return nil, db.err
	}
	u, ok := db.users[id]
	if !ok {
		return nil, passport.ErrUserNotFound
	}
	return u, nil
}

func (db *userDB) delete(id string) {
	db.mu.Lock()
	delete(db.users, id)
	db.mu.Unlock()
}

func (db *userDB) fail(err error) {
	db.mu.Lock()
	db.err = err
	db.mu.Unlock()
}

// counter is a strategy that returns a fixed result and counts its calls.
type counter struct {
	result passport.Result
	calls  atomic.Int32
}

func (c *counter) Authenticate(*http.Request) passport.Result {
	c.calls.Add(1)
	return c.result
}

// use registers a counting strategy that always returns res.
func (f *fixture) use(name string, res passport.Result) *counter {
	c := &counter{result: res}
	f.auth.Use(name, c)
	return c
}

// whoami writes "user=ID auth=BOOL" for the request's user.
func whoami(w http.ResponseWriter, r *http.Request) {
	id := "-"
	if u, ok := passport.UserAs[*user](r); ok {
		id = u.ID
	}
	fmt.Fprintf(w, "user=%s auth=%t", id, passport.IsAuthenticated(r))
}

// protect serves whoami at pattern behind mw.
func (f *fixture) protect(pattern string, mw func(http.Handler) http.Handler) {
	f.mux.Handle(pattern, mw(http.HandlerFunc(whoami)))
}

// handle serves fn at pattern inside the session middleware.
func (f *fixture) handle(pattern string, fn http.HandlerFunc) {
	f.mux.Handle(pattern, fn)
}

// response is a finished HTTP exchange with its body read.
type response struct {
	*http.Response
	body string
}

func (f *fixture) get(path string, header ...string) response {
	return f.do(http.MethodGet, path, header...)
}

func (f *fixture) post(path string, header ...string) response {
	return f.do(http.MethodPost, path, header...)
}

// do sends a request through the fixture's client. header lists header
// names and values in turn.
func (f *fixture) do(method, path string, header ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.server.URL+path, nil)
	require.NoError(f.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return f.send(f.client, req)
}

func (f *fixture) send(client *http.Client, req *http.Request) response {
	f.t.Helper()
	resp, err := client.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return response{Response: resp, body: string(body)}
}

// getWithToken sends a GET with only the given session token, bypassing
// the cookie jar.
func (f *fixture) getWithToken(path, token string) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.server.URL+path, nil)
	require.NoError(f.t, err)
	req.AddCookie(&http.Cookie{Name: f.sessions.Cookie.Name, Value: token})
	return f.send(&http.Client{}, req)
}

// token returns the session token in the client's cookie jar, or "".
func (f *fixture) token() string {
	f.t.Helper()
	u, err := url.Parse(f.server.URL)
	require.NoError(f.t, err)
	for _, c := range f.client.Jar.Cookies(u) {
		if c.Name == f.sessions.Cookie.Name {
			return c.Value
		}
	}
	return ""
}

// sessionCookie returns the session cookie that resp sets, or nil.
func (f *fixture) sessionCookie(resp response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == f.sessions.Cookie.Name {
			return c
		}
	}
	return nil
}

// stored returns the session values the store keeps for token, and whether
// the store has an entry for it.
func (f *fixture) stored(token string) (map[string]any, bool) {
	f.t.Helper()
	b, found, err := f.store.Find(token)
	require.NoError(f.t, err)
	if !found {
		return nil, false
	}
	_, values, err := scs.GobCodec{}.Decode(b)
	require.NoError(f.t, err)
	return values, true
}

// login logs alice in through a strategy registered as "login" and returns
// the new session token.
func (f *fixture) login() string {
	f.t.Helper()
	if f.auth.Strategy("login") == nil {
		f.use("login", passport.Success(&user{ID: "alice"}, nil))
		f.protect("/login", f.auth.Authenticate("login"))
	}
	resp := f.post("/login")
	require.Equal(f.t, http.StatusOK, resp.StatusCode, resp.body)
	token := f.token()
	require.NotEmpty(f.t, token)
	return token
}

// serve serves h on a test server and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	return server.URL
}
