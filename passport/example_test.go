package passport_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-passport/passport/passport"
)

func ExampleAuthenticator_Authenticate() {
	// There is no session manager, so every request carries its own API key.
	auth := passport.New(nil)
	auth.Use("apikey", passport.StrategyFunc(func(r *http.Request) passport.Result {
		switch r.Header.Get("X-API-Key") {
		case "":
			return passport.Missing(`ApiKey realm="items"`, 0, nil)
		case "secret":
			return passport.Success("service-account", nil)
		default:
			return passport.FailWithInfo(&passport.Info{Message: "invalid API key"}, 0)
		}
	}))

	protect := auth.With(passport.NoSession()).Authenticate("apikey")
	handler := protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %v\n", passport.User(r))
	}))

	for _, key := range []string{"secret", "wrong", ""} {
		r := httptest.NewRequest(http.MethodGet, "/items", nil)
		if key != "" {
			r.Header.Set("X-API-Key", key)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Printf("key %q: %d %s\n", key, w.Code, strings.TrimSpace(w.Body.String()))
		if challenge := w.Header().Get("WWW-Authenticate"); challenge != "" {
			fmt.Println("  WWW-Authenticate:", challenge)
		}
	}
	// Output:
	// key "secret": 200 hello, service-account
	// key "wrong": 401 invalid API key
	// key "": 401 Unauthorized
	//   WWW-Authenticate: ApiKey realm="items"
}
