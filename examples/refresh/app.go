package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
	"github.com/go-passport/passport/strategies/refresh"
)

// appConfig is the demo app's configuration: its OAuth 2.0 provider's
// endpoints and client, the refresh window and the logger.
type appConfig struct {
	AuthURL      string
	TokenURL     string
	UserinfoURL  string // optional: profile of code-flow logins
	APIURL       string
	ClientID     string
	ClientSecret string
	Scopes       []string

	RefreshWindow time.Duration
	Logger        *slog.Logger
	// Redis, when set, keeps sessions and tickets in Redis and locks
	// refreshes there, so that several instances can serve one user.
	Redis *redisBackend
	// HTTPClient calls the provider and the resource server.
	HTTPClient *http.Client
}

// app is the Go port of the Passport.js example app of
// passport-oauth2-middleware.
type app struct {
	cfg      appConfig
	sessions *scs.SessionManager
	auth     *passport.Authenticator
	refresh  *refresh.Strategy
	log      *slog.Logger
}

func newApp(cfg appConfig) *app {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	sessions := scs.New()
	sessions.Lifetime = 12 * time.Hour
	sessions.Cookie.Name = "demo_session"
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.HttpOnly = true
	cfg.Redis.configure(sessions)
	// A request still running when the user logs out must not bring the
	// session back when it commits.
	sessions.Store = passport.GuardStore(sessions.Store, sessions.Lifetime)

	a := &app{cfg: cfg, sessions: sessions, auth: passport.New(sessions), log: cfg.Logger}
	a.auth.Logger = cfg.Logger
	a.auth.SerializeUser(refresh.SerializeUser)
	a.auth.DeserializeUser(refresh.DeserializeUser)

	a.refresh = refresh.New(refresh.Config{
		RefreshWindow:     cfg.RefreshWindow,
		UserProperty:      "ticket",
		AuthenticationURL: "/login",
		CallbackParameter: "callback",
		Store:             sessions.Store,
		TicketLifetime:    sessions.Lifetime,
		HTTPClient:        cfg.HTTPClient,
		Logger:            cfg.Logger,
		Locker:            cfg.Redis.refreshLocker(),
	})
	a.auth.Use("main", a.refresh)

	oauthStrategy := oauth2.New(oauth2.Config{
		AuthorizationURL:  cfg.AuthURL,
		TokenURL:          cfg.TokenURL,
		ClientID:          cfg.ClientID,
		ClientSecret:      cfg.ClientSecret,
		CallbackURL:       "/oauth/callback",
		Scopes:            cfg.Scopes,
		AuthStyle:         oauth2.AuthStyleHeader,
		HTTPClient:        cfg.HTTPClient,
		ReturnToParameter: "callback",
		ProfileLoader:     a.loadProfile,
	}, a.refresh.OAuth2StrategyCallback())
	a.auth.Use("oauth", oauthStrategy)
	a.refresh.UseOAuth2Strategy(oauthStrategy)

	localStrategy := local.New(local.Config{UsernameField: "username", PasswordField: "password"},
		a.refresh.LocalStrategyCallback())
	a.auth.Use("local", localStrategy)
	a.refresh.UseLocalStrategy(localStrategy)
	return a
}

// Handler returns the app's routes wrapped in the session middleware.
func (a *app) Handler() http.Handler {
	r := chi.NewRouter()
	// Cross-origin POSTs are rejected before they reach a session: without
	// this, another site could log a visitor into the attacker's account
	// (login CSRF) or log them out, because SameSite=Lax lets a top-level
	// form POST send no cookie yet still receive one.
	r.Use(http.NewCrossOriginProtection().Handler)
	// SecureCookies wraps the session middleware, so that it can mark the
	// session cookie Secure on requests that arrived over TLS.
	r.Use(passport.SecureCookies)
	r.Use(a.sessions.LoadAndSave)
	// HEAD requests run the GET handlers, as browsers and monitors expect.
	r.Use(middleware.GetHead)

	main := a.auth.Authenticate("main")
	api := a.auth.With(refresh.NoRedirect()).Authenticate("main")

	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/profile", http.StatusFound)
	})
	r.Method(http.MethodGet, "/login", a.auth.AuthenticateCallback(a.loginPage, "main"))
	r.Method(http.MethodPost, "/login", a.auth.AuthenticateCallback(a.passwordLogin, "local"))
	r.Method(http.MethodGet, "/oauth", a.auth.AuthenticateCallback(a.oauthLogin, "oauth"))
	r.Method(http.MethodGet, "/oauth/callback", a.auth.AuthenticateCallback(a.oauthLogin, "oauth"))
	r.With(main).Get("/profile", a.profile)
	r.With(api).Get("/api/data", a.data)
	r.With(api).Get("/api/me", a.me)
	a.benchRoutes(r)
	r.Post("/logout", a.logout)
	return r
}

// returnTo returns the path a login continues to: the sanitized callback
// parameter, or the profile page.
func returnTo(r *http.Request) string {
	return passport.SafeReturnTo(r.URL.Query().Get("callback"), "/profile")
}

// pageCallback is the callback parameter that the login page carries on to
// its form and its OAuth 2.0 link, or "" when SafeReturnTo rejects it.
func pageCallback(r *http.Request) string {
	return passport.SafeReturnTo(r.URL.Query().Get("callback"), "")
}

// loginPage shows the login form, or sends a user who is already logged in
// on to the return-to path.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request, res passport.Result) {
	if res.Outcome == passport.OutcomeSuccess {
		redirect(w, returnTo(r), http.StatusFound)
		return
	}
	page := loginView{Callback: pageCallback(r)}
	if messages := a.auth.PopMessages(r); len(messages) > 0 {
		page.Error = messages[0]
	}
	a.render(w, http.StatusOK, loginTemplate, page)
}

func (a *app) passwordLogin(w http.ResponseWriter, r *http.Request, res passport.Result) {
	switch res.Outcome {
	case passport.OutcomeSuccess:
		a.finishLogin(w, r, res.User, "password", returnTo(r))
	case passport.OutcomeError:
		a.log.Error("login failed", "method", "password", "error", res.Err)
		passport.DefaultErrorHandler(w, r, res.Err)
	default:
		message := "Unable to log in."
		if res.Info != nil && res.Info.Message != "" {
			message = res.Info.Message
		}
		// Missing credentials show the form again with 401. A body that
		// cannot be read, such as one over the size limit, keeps its 400.
		status := res.Status
		if status == 0 || (status == http.StatusBadRequest && res.CredentialsMissing) {
			status = http.StatusUnauthorized
		}
		// r.PostForm holds what the local strategy parsed within its body
		// limit. r.PostFormValue would parse the rest of a rejected body.
		username := r.PostForm.Get("username")
		a.log.Info("login rejected", "method", "password", "username", username)
		a.render(w, status, loginTemplate, loginView{
			Callback: pageCallback(r),
			Username: username,
			Error:    message,
		})
	}
}

// oauthLogin handles both legs of the code flow: the first ends in a
// redirect to the provider, the callback in a login.
func (a *app) oauthLogin(w http.ResponseWriter, r *http.Request, res passport.Result) {
	switch res.Outcome {
	case passport.OutcomeRedirect:
		redirect(w, res.Location, http.StatusFound)
	case passport.OutcomeSuccess:
		a.finishLogin(w, r, res.User, "oauth2", passport.SafeReturnTo(res.ReturnTo, "/profile"))
	case passport.OutcomeError:
		a.log.Error("login failed", "method", "oauth2", "error", res.Err)
		passport.DefaultErrorHandler(w, r, res.Err)
	default:
		message := "The login with the authorization server failed."
		if res.Info != nil && res.Info.Message != "" {
			message = res.Info.Message
		}
		a.log.Info("login rejected", "method", "oauth2", "reason", message)
		a.render(w, res.Status, loginTemplate, loginView{Error: message})
	}
}

func (a *app) finishLogin(w http.ResponseWriter, r *http.Request, user any, method, target string) {
	if err := a.auth.Login(w, r, user); err != nil {
		a.log.Error("login failed", "method", method, "error", err)
		passport.DefaultErrorHandler(w, r, err)
		return
	}
	name := ""
	if u, ok := user.(*refresh.User); ok {
		name = u.Name
	}
	a.log.Info("login", "method", method, "user", name)
	redirect(w, target, http.StatusSeeOther)
}

func (a *app) profile(w http.ResponseWriter, r *http.Request) {
	user, _ := passport.UserAs[*refresh.User](r)
	ticket := a.refresh.Ticket(r)
	view := profileView{User: user.Name, Scope: ticket.Scope, Expiry: ticket.Expiry, IssuedAt: ticket.IssuedAt, RefreshedAt: ticket.RefreshedAt}
	a.render(w, http.StatusOK, profileTemplate, view)
}

// data calls the resource server with the session's access token and
// returns its JSON.
func (a *app) data(w http.ResponseWriter, r *http.Request) {
	resp, err := a.refresh.Client(r).Get(a.cfg.APIURL)
	if errors.Is(err, refresh.ErrNotAuthenticated) {
		// The login ended while the request ran, such as by a logout.
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "message": "authentication required"})
		return
	}
	if err != nil {
		a.log.Warn("resource server call failed", "error", err)
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "upstream_failed", "message": "the resource server could not be reached"})
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		a.log.Warn("resource server call failed", "status", resp.StatusCode)
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "upstream_failed", "message": fmt.Sprintf("the resource server answered %d", resp.StatusCode)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// me returns the user and the token's timing without calling the resource
// server.
func (a *app) me(w http.ResponseWriter, r *http.Request) {
	user, _ := passport.UserAs[*refresh.User](r)
	ticket := a.refresh.Ticket(r)
	writeJSON(w, http.StatusOK, map[string]any{"user": user.Name, "expiry": ticket.Expiry.UTC().Format(time.RFC3339)})
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	name := ""
	if id, ok := a.sessions.Get(r.Context(), passport.SessionUserKey).(string); ok {
		if user, err := refresh.DeserializeUser(r.Context(), id); err == nil {
			name = user.(*refresh.User).Name
		}
	}
	if err := a.auth.Logout(w, r); err != nil {
		a.log.Error("logout failed", "error", err)
	}
	a.log.Info("logout", "user", name)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// loadProfile reads the user's profile from the provider's userinfo
// endpoint, for code-flow logins.
func (a *app) loadProfile(ctx context.Context, token *oauth2.Token) (any, error) {
	if a.cfg.UserinfoURL == "" {
		return nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.UserinfoURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: unexpected status %d", resp.StatusCode)
	}
	var profile map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&profile); err != nil {
		return nil, fmt.Errorf("userinfo: invalid JSON: %w", err)
	}
	return profile, nil
}

// redirect sends the client to target as it is. http.Redirect would clean
// the path, and a return-to path must keep its bytes.
func redirect(w http.ResponseWriter, target string, status int) {
	w.Header().Set("Location", target)
	w.WriteHeader(status)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func splitScopes(s string) []string {
	return strings.Fields(strings.ReplaceAll(s, ",", " "))
}
