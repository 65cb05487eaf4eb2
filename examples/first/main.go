// Command first protects one chi route with an API-key strategy. It is the
// program shown in the README.
package main

import (
	"fmt"
	"log"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"github.com/go-passport/passport/passport"
)

func main() {
	sessions := scs.New()
	auth := passport.New(sessions)
	auth.Use("apikey", passport.StrategyFunc(func(r *http.Request) passport.Result {
		if r.Header.Get("X-API-Key") != "secret" {
			return passport.Fail(`ApiKey realm="first"`, http.StatusUnauthorized)
		}
		return passport.Success("demo-user", nil)
	}))

	r := chi.NewRouter()
	r.Use(sessions.LoadAndSave)
	r.With(auth.With(passport.NoSession()).Authenticate("apikey")).
		Get("/hello", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello, %v\n", passport.User(r))
		})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", r))
}
