package main

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"

	"github.com/go-passport/passport/passport"
)

// benchRoutesEnv is the environment variable that turns on the benchmark
// route when it is "1".
const benchRoutesEnv = "DEMO_BENCH_ROUTES"

// sessionOnlyPath is GET /api/me without Authenticate: the route that the
// load program (examples/load) compares /api/me with.
const sessionOnlyPath = "/api/me-session"

// benchRoutes registers GET /api/me-session on r when DEMO_BENCH_ROUTES is
// "1", and nothing otherwise. r must run the session middleware, as the
// router of Handler does. The route reads the session's user key and
// writes it as JSON, with no strategy, ticket lookup or refresh, so the
// throughput of /api/me against it shows what Authenticate("main") costs.
func (a *app) benchRoutes(r chi.Router) {
	if os.Getenv(benchRoutesEnv) != "1" {
		return
	}
	r.Get(sessionOnlyPath, a.meSession)
}

// meSession writes the serialized user of the session, or 401 JSON for a
// session without a login.
func (a *app) meSession(w http.ResponseWriter, r *http.Request) {
	user := a.sessions.GetString(r.Context(), passport.SessionUserKey)
	if user == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "message": "authentication required"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"session_user": user})
}
