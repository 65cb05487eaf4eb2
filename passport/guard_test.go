package passport_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestGuardStoreDropsCommitAfterDelete(t *testing.T) {
	inner := memstore.NewWithCleanupInterval(0)
	store := passport.GuardStore(inner, time.Hour)

	require.NoError(t, store.Commit("token", []byte("data"), time.Now().Add(time.Hour)))
	data, found, err := store.Find("token")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, []byte("data"), data)

	require.NoError(t, store.Delete("token"))
	require.NoError(t, store.Commit("token", []byte("stale"), time.Now().Add(time.Hour)))
	_, found, err = store.Find("token")
	require.NoError(t, err)
	assert.False(t, found)
}

func TestGuardStoreKeepsOtherTokens(t *testing.T) {
	store := passport.GuardStore(memstore.NewWithCleanupInterval(0), time.Hour)
	require.NoError(t, store.Delete("old"))
	require.NoError(t, store.Commit("new", []byte("data"), time.Now().Add(time.Hour)))
	_, found, err := store.Find("new")
	require.NoError(t, err)
	assert.True(t, found)
}

// TestGuardStoreSlowRequestAfterLogout runs a request that loaded the
// session before a logout and writes to it afterwards.
func TestGuardStoreSlowRequestAfterLogout(t *testing.T) {
	sessions := scs.New()
	inner := memstore.NewWithCleanupInterval(0)
	sessions.Store = passport.GuardStore(inner, sessions.Lifetime)
	auth := passport.New(sessions)
	auth.SerializeUser(func(_ context.Context, user any) (string, error) { return user.(string), nil })
	auth.DeserializeUser(func(_ context.Context, id string) (any, error) { return id, nil })
	auth.Use("always", passport.StrategyFunc(func(*http.Request) passport.Result { return passport.Success("alice", nil) }))

	loaded, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("POST /login", auth.Authenticate("always")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	mux.Handle("GET /me", auth.Authenticate("session")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !passport.IsAuthenticated(r) {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})))
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(loaded)
		<-release
		sessions.Put(r.Context(), "visits", "1")
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, auth.Logout(w, r))
	})
	server := httptest.NewServer(sessions.LoadAndSave(mux))
	defer server.Close()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar}

	resp, err := client.Post(server.URL+"/login", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	token := sessionCookie(t, jar, server.URL)

	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := client.Get(server.URL + "/slow")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-loaded
	resp, err = client.Post(server.URL+"/logout", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	close(release)
	<-done

	_, found, err := inner.Find(token)
	require.NoError(t, err)
	assert.False(t, found, "the logged-out session came back")
}

func sessionCookie(t *testing.T, jar http.CookieJar, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	for _, c := range jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestGuardStoreTombstoneNotReachableByCookie checks that a cookie naming a
// tombstone key loads an empty session instead of failing.
func TestGuardStoreTombstoneNotReachableByCookie(t *testing.T) {
	sessions := scs.New()
	inner := memstore.NewWithCleanupInterval(0)
	sessions.Store = passport.GuardStore(inner, sessions.Lifetime)
	require.NoError(t, sessions.Store.Delete("old-token"))

	handler := sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, name := range []string{"passport\u00b7deleted:old-token", "passport%C2%B7deleted:old-token"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", sessions.Cookie.Name+"="+name)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusNoContent, rec.Code, "cookie %q", name)
	}
}
