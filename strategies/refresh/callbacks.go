package refresh

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
)

// OAuth2StrategyCallback returns the verify function for oauth2.New that
// stores the token response as the session's ticket and returns the
// [*User] built from the profile. It ports getOAuth2StrategyCallback.
func (s *Strategy) OAuth2StrategyCallback() oauth2.VerifyFunc {
	return func(ctx context.Context, token *oauth2.Token, profile any) (any, *passport.Info, error) {
		user := userFromProfile(profile)
		if err := s.login(ctx, token, user); err != nil {
			return nil, nil, err
		}
		return user, nil, nil
	}
}

// LocalStrategyCallback returns the verify function for local.New that logs
// the user in with the OAuth 2.0 resource owner password credentials grant
// against the token endpoint of the registered OAuth2 strategy, with its
// client credentials. It ports getLocalStrategyCallback.
//
// The user is a [*User] named after the username, with the profile from the
// OAuth2 strategy's ProfileLoader when it has one.
//
// A rejected password (invalid_grant) is a login failure with the message
// "invalid username or password". A provider that is down gives a 503; any
// other refusal gives a 502 carrying the provider's error code.
func (s *Strategy) LocalStrategyCallback() local.VerifyFunc {
	return func(ctx context.Context, username, password string) (any, *passport.Info, error) {
		provider := s.oauth2Strategy()
		if provider == nil {
			return nil, nil, ErrNoOAuth2Strategy
		}
		token, err := provider.PasswordGrant(ctx, username, password)
		if err != nil {
			return s.passwordGrantFailure(err)
		}
		user, err := s.passwordGrantUser(ctx, provider, token, username)
		if err != nil {
			return nil, nil, err
		}
		if err := s.login(ctx, token, user); err != nil {
			return nil, nil, err
		}
		return user, nil, nil
	}
}

// passwordGrantUser returns the user of a password-grant login: the
// username, with the profile that the OAuth2 strategy's ProfileLoader
// returns, if it has one.
func (s *Strategy) passwordGrantUser(ctx context.Context, provider *oauth2.Strategy, token *oauth2.Token, username string) (*User, error) {
	load := provider.Config().ProfileLoader
	if load == nil {
		return &User{Name: username}, nil
	}
	profile, err := load(ctx, token)
	if err != nil {
		return nil, &passport.HTTPError{Status: http.StatusBadGateway, Code: "profile_unavailable",
			Message: "cannot load the user profile from the authorization server", Err: err}
	}
	user := userFromProfile(profile)
	user.Name = username
	return user, nil
}

func (s *Strategy) passwordGrantFailure(err error) (any, *passport.Info, error) {
	var tokenErr *oauth2.TokenError
	switch {
	case isTransient(err):
		return nil, nil, s.unavailable(err)
	case errors.As(err, &tokenErr) && tokenErr.Code == "invalid_grant":
		return nil, &passport.Info{Message: "invalid username or password"}, nil
	}
	return nil, nil, providerError(err)
}

// login stores a new ticket for user and sets it on the request. It does
// not touch the session: [Strategy.Login] puts the ticket there once the
// app logs the user in, so a verify that the app rejects, or a call with
// passport.NoSession, leaves the session as it was.
func (s *Strategy) login(ctx context.Context, token *oauth2.Token, user *User) error {
	id := newTicketID()
	ticket := newTicket(token, s.cfg.Now(), s.cfg.DefaultExpiresIn)
	rec := &record{Version: 1, User: user, Ticket: ticket}
	if err := s.save(id, rec); err != nil {
		return &passport.HTTPError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Message: "cannot store the login, try again shortly", Err: err}
	}
	user.ticketID = id
	passport.SetProperty(ctx, s.cfg.UserProperty, ticket)
	return nil
}

// Login implements [passport.LoginHook]: when the user logged in is a
// [*User] from one of this strategy's callbacks, it puts the user's new
// ticket in the session and ends the ticket the session had before.
func (s *Strategy) Login(ctx context.Context, user any) error {
	u, ok := user.(*User)
	if !ok || u.ticketID == "" {
		return nil
	}
	sessions, err := passport.RequireSession(ctx)
	if err != nil {
		return err
	}
	if old, _ := sessions.Get(ctx, s.cfg.UserProperty).(string); old != "" && old != u.ticketID {
		_ = s.endTicket(old)
	}
	sessions.Put(ctx, s.cfg.UserProperty, u.ticketID)
	return nil
}

// Logout implements [passport.LogoutHook]: it ends the session's ticket so
// that neither a later request nor a refresh still running can use it.
func (s *Strategy) Logout(ctx context.Context) error {
	sessions, err := passport.RequireSession(ctx)
	if err != nil {
		return err
	}
	id, _ := sessions.Get(ctx, s.cfg.UserProperty).(string)
	if id == "" {
		return nil
	}
	sessions.Remove(ctx, s.cfg.UserProperty)
	return s.endTicket(id)
}
