package refresh

import (
	"context"
	"errors"
	"net/http"

	xoauth2 "golang.org/x/oauth2"

	"github.com/go-passport/passport/passport"
)

// Ticket returns a copy of the ticket that Authenticate restored for the
// request, or nil when the request is not authenticated by this strategy.
// The copy contains the tokens: do not log it or hand it to a template.
func (s *Strategy) Ticket(r *http.Request) *Ticket {
	t, _ := passport.Property(r, s.cfg.UserProperty).(*Ticket)
	if t == nil {
		return nil
	}
	copied := *t
	return &copied
}

// TokenSource returns a token source for the session of r. Each Token call
// reads the current ticket and refreshes it, shared with concurrent
// requests, when it is inside the refresh window, so what it refreshes is
// stored for the session. It returns [ErrNotAuthenticated] once the ticket
// has ended, and on a request that did not pass through an Authenticate
// call, because the session is reached through that call. On a request
// that logged in with passport.NoSession, it uses the ticket of that login.
func (s *Strategy) TokenSource(r *http.Request) xoauth2.TokenSource {
	ctx := r.Context()
	id := ""
	if user, ok := passport.UserFromContext(ctx).(*User); ok && user.ticketID != "" {
		id = user.ticketID
	} else if sessions, err := passport.RequireSession(ctx); err == nil {
		id, _ = sessions.Get(ctx, s.cfg.UserProperty).(string)
	}
	return &tokenSource{strategy: s, ctx: ctx, id: id}
}

// Client returns an HTTP client for calling a resource server with the
// access token of the session of r, refreshing it as [Strategy.TokenSource]
// does. It uses the transport and timeout of Config.HTTPClient.
func (s *Strategy) Client(r *http.Request) *http.Client {
	base := s.cfg.HTTPClient
	transport := base.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	return &http.Client{
		Transport:     &xoauth2.Transport{Source: s.TokenSource(r), Base: transport},
		CheckRedirect: base.CheckRedirect,
		Timeout:       base.Timeout,
	}
}

type tokenSource struct {
	strategy *Strategy
	ctx      context.Context
	id       string
}

func (ts *tokenSource) Token() (*xoauth2.Token, error) {
	if ts.id == "" {
		return nil, ErrNotAuthenticated
	}
	s := ts.strategy
	rec, err := s.current(ts.ctx, ts.id)
	if err != nil {
		if isTransient(err) && rec != nil && rec.Ticket.Valid(s.cfg.Now()) {
			return toOAuth2Token(rec.Ticket), nil
		}
		if isTerminal(err) {
			// End the ticket as Authenticate does, so that the next
			// request does not send the rejected refresh token again.
			_ = s.endTicket(ts.id)
		}
		if isTerminal(err) || errors.Is(err, errTicketEnded) {
			return nil, ErrNotAuthenticated
		}
		return nil, err
	}
	passport.SetProperty(ts.ctx, s.cfg.UserProperty, rec.Ticket)
	return toOAuth2Token(rec.Ticket), nil
}

func toOAuth2Token(t *Ticket) *xoauth2.Token {
	return &xoauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry}
}
