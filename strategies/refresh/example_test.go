package refresh_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// Example logs a user in with a username and password, which the refresh
// strategy turns into an OAuth 2.0 password grant, and then reads a page
// that needs the login.
func Example() {
	// A token endpoint that accepts one user.
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("username") != "alice" || r.PostFormValue("password") != "wonderland" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		io.WriteString(w, `{"access_token":"a1","refresh_token":"r1","token_type":"Bearer","expires_in":3600}`)
	}))
	defer provider.Close()

	// A fixed clock keeps the output stable. Leave Now unset in production.
	now := func() time.Time { return time.Date(2030, 1, 2, 12, 0, 0, 0, time.UTC) }

	sessions := scs.New()
	auth := passport.New(sessions)
	refreshStrategy := refresh.New(refresh.Config{AuthenticationURL: "/login", Now: now})
	auth.Use("main", refreshStrategy)
	auth.SerializeUser(refresh.SerializeUser)
	auth.DeserializeUser(refresh.DeserializeUser)

	oauthStrategy := oauth2.New(oauth2.Config{
		AuthorizationURL: provider.URL + "/authorize",
		TokenURL:         provider.URL + "/token",
		ClientID:         "app",
		ClientSecret:     "app-secret",
		CallbackURL:      "/oauth/callback",
		Now:              now,
	}, refreshStrategy.OAuth2StrategyCallback())
	auth.Use("oauth", oauthStrategy)
	refreshStrategy.UseOAuth2Strategy(oauthStrategy)

	localStrategy := local.New(local.Config{}, refreshStrategy.LocalStrategyCallback())
	auth.Use("local", localStrategy)
	refreshStrategy.UseLocalStrategy(localStrategy)

	mux := http.NewServeMux()
	login := auth.With(passport.SuccessRedirect("/profile")).Authenticate("local")
	mux.Handle("POST /login", login(http.NotFoundHandler()))
	mux.Handle("GET /profile", auth.Authenticate("main")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := passport.UserAs[*refresh.User](r)
		fmt.Fprintf(w, "hello %s, your %s token expires at %s", user.Name,
			refreshStrategy.Ticket(r).TokenType, refreshStrategy.Ticket(r).Expiry.Format("15:04"))
	})))
	app := httptest.NewServer(sessions.LoadAndSave(mux))
	defer app.Close()

	// A browser that keeps cookies and shows each redirect.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	printResponse(browser.Get(app.URL + "/profile"))
	printResponse(browser.PostForm(app.URL+"/login", url.Values{"username": {"alice"}, "password": {"nope"}}))
	printResponse(browser.PostForm(app.URL+"/login", url.Values{"username": {"alice"}, "password": {"wonderland"}}))
	printResponse(browser.Get(app.URL + "/profile"))
	// Output:
	// 302 /login?callback=%2Fprofile
	// 401 invalid username or password
	// 303 /profile
	// 200 hello alice, your Bearer token expires at 13:00
}

// printResponse prints the status and the redirect target, or the body.
func printResponse(resp *http.Response, err error) {
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	if location := resp.Header.Get("Location"); location != "" {
		fmt.Println(resp.StatusCode, location)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
}
