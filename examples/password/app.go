package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// appConfig is the OAuth 2.0 provider configuration of the app.
type appConfig struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	Logger       *slog.Logger
}

// app is the password-grant setup of passport-oauth2-middleware. Users log
// in with a username and password that the provider checks, and the refresh
// strategy keeps their tokens fresh.
type app struct {
	sessions *scs.SessionManager
	auth     *passport.Authenticator
	refresh  *refresh.Strategy
	log      *slog.Logger
}

func newApp(cfg appConfig) *app {
	sessions := scs.New()
	// Cookies are scoped by host, not port, so a name of its own keeps this
	// app's session apart from the demo's on 127.0.0.1.
	sessions.Cookie.Name = "password_session"
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	// A request still running at logout must not bring the session back.
	sessions.Store = passport.GuardStore(sessions.Store, sessions.Lifetime)

	a := &app{sessions: sessions, auth: passport.New(sessions), log: cfg.Logger}
	a.auth.SerializeUser(refresh.SerializeUser)
	a.auth.DeserializeUser(refresh.DeserializeUser)

	a.refresh = refresh.New(refresh.Config{
		RefreshWindow:     10 * time.Second,
		UserProperty:      "ticket",
		AuthenticationURL: "/login",
		CallbackParameter: "callback",
		Store:             sessions.Store,
		TicketLifetime:    sessions.Lifetime,
		Logger:            cfg.Logger,
	})
	a.auth.Use("main", a.refresh)

	a.refresh.UseOAuth2Strategy(newTokenClient(cfg, a.refresh))

	localStrategy := local.New(local.Config{UsernameField: "username", PasswordField: "password"},
		a.refresh.LocalStrategyCallback())
	a.auth.Use("local", localStrategy)
	a.refresh.UseLocalStrategy(localStrategy)
	return a
}

// newTokenClient returns the oauth2 strategy whose token endpoint and client
// credentials the password grant and the refreshes use. It is not
// registered with auth.Use, and without an authorization endpoint and a
// callback URL it makes token calls only.
func newTokenClient(cfg appConfig, strategy *refresh.Strategy) *oauth2.Strategy {
	return oauth2.New(oauth2.Config{
		TokenURL:     cfg.TokenURL,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Scopes:       cfg.Scopes,
		AuthStyle:    oauth2.AuthStyleHeader,
	}, strategy.OAuth2StrategyCallback())
}

// Handler returns the app's routes wrapped in the session middleware.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		redirect(w, "/profile", http.StatusFound)
	})
	mux.Handle("GET /login", a.auth.AuthenticateCallback(a.loginPage, "main"))
	mux.Handle("POST /login", a.auth.AuthenticateCallback(a.login, "local"))
	mux.Handle("GET /profile", a.auth.Authenticate("main")(http.HandlerFunc(a.profile)))
	mux.HandleFunc("POST /logout", a.logout)
	// Reject cross-origin POSTs, so that another site cannot log a visitor
	// in to the attacker's account or out of their own.
	return http.NewCrossOriginProtection().Handler(a.sessions.LoadAndSave(mux))
}

// returnTo returns the path that a login continues to: the callback
// parameter if SafeReturnTo accepts it, else the profile page.
func returnTo(r *http.Request) string {
	return passport.SafeReturnTo(r.URL.Query().Get("callback"), "/profile")
}

// formCallback returns the callback parameter for the login form to carry
// on, or "" when SafeReturnTo rejects it.
func formCallback(r *http.Request) string {
	return passport.SafeReturnTo(r.URL.Query().Get("callback"), "")
}

// loginPage shows the form, or sends a user who is logged in on to the
// return-to path.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request, res passport.Result) {
	if res.Outcome == passport.OutcomeSuccess {
		redirect(w, returnTo(r), http.StatusFound)
		return
	}
	a.render(w, http.StatusOK, loginTemplate, loginView{Callback: formCallback(r)})
}

// login is the custom callback of POST /login. It logs the user in on
// success, and otherwise shows the form again with the strategy's message.
func (a *app) login(w http.ResponseWriter, r *http.Request, res passport.Result) {
	switch res.Outcome {
	case passport.OutcomeSuccess:
		if err := a.auth.Login(w, r, res.User); err != nil {
			a.log.Error("login failed", "error", err)
			passport.DefaultErrorHandler(w, r, err)
			return
		}
		redirect(w, returnTo(r), http.StatusSeeOther)
	case passport.OutcomeError:
		a.log.Error("login failed", "error", res.Err)
		passport.DefaultErrorHandler(w, r, res.Err)
	default:
		message := "Unable to log in."
		if res.Info != nil && res.Info.Message != "" {
			message = res.Info.Message
		}
		// r.PostForm contains what the local strategy parsed within its
		// body limit.
		a.render(w, res.Status, loginTemplate, loginView{
			Callback: formCallback(r),
			Username: r.PostForm.Get("username"),
			Error:    message,
		})
	}
}

func (a *app) profile(w http.ResponseWriter, r *http.Request) {
	user, _ := passport.UserAs[*refresh.User](r)
	ticket := a.refresh.Ticket(r)
	a.render(w, http.StatusOK, profileTemplate, profileView{
		User:   user.Name,
		Expiry: ticket.Expiry.UTC().Format(time.RFC3339),
	})
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.auth.Logout(w, r); err != nil {
		a.log.Error("logout failed", "error", err)
	}
	redirect(w, "/login", http.StatusSeeOther)
}

// redirect sends the client to target as it is. http.Redirect would clean
// the path, and a return-to path keeps its bytes.
func redirect(w http.ResponseWriter, target string, status int) {
	w.Header().Set("Location", target)
	w.WriteHeader(status)
}
