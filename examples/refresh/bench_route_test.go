package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// benchRouter returns a router with the session middleware, the bench
// routes and PUT /session-user, which logs a user in by writing the
// session's user key directly.
func benchRouter(t *testing.T) http.Handler {
	t.Helper()
	// The provider URLs are never called: no route here makes a token call.
	a := newApp(appConfig{
		AuthURL:      "http://127.0.0.1:9/oauth2/auth",
		TokenURL:     "http://127.0.0.1:9/oauth2/token",
		APIURL:       "http://127.0.0.1:9/api/data",
		ClientID:     "demo-app",
		ClientSecret: "demo-secret",
		Logger:       slog.New(slog.DiscardHandler),
	})
	r := chi.NewRouter()
	r.Use(a.sessions.LoadAndSave)
	a.benchRoutes(r)
	r.Put("/session-user", func(w http.ResponseWriter, r *http.Request) {
		a.sessions.Put(r.Context(), passport.SessionUserKey, `{"name":"alice"}`)
		w.WriteHeader(http.StatusNoContent)
	})
	return r
}

// serveBench sends one request to handler with the cookies given and returns the
// response.
func serveBench(handler http.Handler, method, path string, cookies []*http.Cookie) *http.Response {
	req := httptest.NewRequest(method, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec.Result()
}

// TestBenchRouteOff checks that the route does not exist unless
// DEMO_BENCH_ROUTES is 1.
func TestBenchRouteOff(t *testing.T) {
	t.Setenv(benchRoutesEnv, "")
	resp := serveBench(benchRouter(t), http.MethodGet, sessionOnlyPath, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestBenchRoute checks GET /api/me-session without and with a login.
func TestBenchRoute(t *testing.T) {
	t.Setenv(benchRoutesEnv, "1")
	router := benchRouter(t)

	resp := serveBench(router, http.MethodGet, sessionOnlyPath, nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	login := serveBench(router, http.MethodPut, "/session-user", nil)
	require.Equal(t, http.StatusNoContent, login.StatusCode)
	resp = serveBench(router, http.MethodGet, sessionOnlyPath, login.Cookies())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, `{"name":"alice"}`, body["session_user"])
}
