package local_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/alexedwards/scs/v2"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
)

// checkPassword is the verify function of the examples. A real one looks
// the user up and compares password hashes in constant time.
func checkPassword(ctx context.Context, username, password string) (any, *passport.Info, error) {
	if username == "alice" && password == "wonderland" {
		return "alice", nil, nil
	}
	return nil, nil, nil
}

// A JSON login route that authenticates each request on its own, without a
// session.
func ExampleNew() {
	auth := passport.New(nil)
	auth.Use("local", local.New(local.Config{}, checkPassword))
	login := auth.With(passport.NoSession()).Authenticate("local")
	handler := login(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", passport.User(r))
	}))

	for _, body := range []string{
		`{"username":"alice","password":"wonderland"}`,
		`{"username":"alice","password":"guess"}`,
		`{"username":"alice"}`,
		`{"username":"alice",`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 hello alice
	// 401 {"error":"unauthorized","message":"invalid username or password"}
	// 400 {"error":"bad_request","message":"missing credentials"}
	// 400 {"error":"bad_request","message":"invalid JSON body"}
}

// A form login with nested field names and a verify function that reads
// the request.
func ExampleNewWithRequest() {
	cfg := local.Config{UsernameField: "user[name]", PasswordField: "user[password]"}
	strategy := local.NewWithRequest(cfg, func(r *http.Request, username, password string) (any, *passport.Info, error) {
		fmt.Println("login attempt from", r.RemoteAddr)
		return checkPassword(r.Context(), username, password)
	})

	body := "user%5Bname%5D=alice&user%5Bpassword%5D=wonderland"
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := strategy.Authenticate(r)
	fmt.Println(res.Outcome, res.User)
	// Output:
	// login attempt from 192.0.2.1:1234
	// success alice
}

// A login form with sessions: a success redirects to the profile, and a
// failure redirects back to the form, which shows the flash message.
func Example_session() {
	sessions := scs.New()
	auth := passport.New(sessions)
	auth.SerializeUser(func(ctx context.Context, user any) (string, error) { return user.(string), nil })
	auth.DeserializeUser(func(ctx context.Context, id string) (any, error) { return id, nil })
	auth.Use("local", local.New(local.Config{}, checkPassword))

	mux := http.NewServeMux()
	login := auth.With(
		passport.SuccessRedirect("/profile"),
		passport.FailureRedirect("/login"),
		passport.FailureMessage(""),
	).Authenticate("local")
	mux.Handle("POST /login", login(http.NotFoundHandler()))
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "login form, messages %q", auth.PopMessages(r))
	})
	handler := sessions.LoadAndSave(mux)

	for _, body := range []string{"username=alice&password=wonderland", "username=alice&password=guess"} {
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Location"))

		if w.Header().Get("Location") == "/login" {
			page := httptest.NewRequest(http.MethodGet, "/login", nil)
			for _, cookie := range w.Result().Cookies() {
				page.AddCookie(cookie)
			}
			w = httptest.NewRecorder()
			handler.ServeHTTP(w, page)
			fmt.Println(w.Body.String())
		}
	}
	// Output:
	// 303 /profile
	// 303 /login
	// login form, messages ["invalid username or password"]
}
