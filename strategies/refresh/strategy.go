package refresh

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
	"github.com/go-passport/passport/strategies/oauth2"
)

// ErrNoOAuth2Strategy reports a refresh or a password grant on a Strategy
// that has no OAuth2 strategy: call [Strategy.UseOAuth2Strategy] at setup.
var ErrNoOAuth2Strategy = errors.New("refresh: no OAuth2 strategy registered: call UseOAuth2Strategy at setup")

// Strategy is the port of passport-oauth2-middleware's
// OAuth2RefreshTokenStrategy. Registered as "main", it authenticates a
// request from the ticket kept for its session and refreshes the access
// token when it enters the refresh window. Create it with [New]; it is safe
// for concurrent use.
type Strategy struct {
	cfg Config

	mu          sync.RWMutex
	oauth2      *oauth2.Strategy
	local       *local.Strategy
	flights     singleflight.Group
	ticketLocks [64]sync.Mutex
	// backoff maps a ticket ID to the time until which a refresh is not
	// retried while the access token still works, after a transient
	// failure.
	backoff sync.Map
	// records caches decoded ticket records, checked against the stored
	// bytes on every read.
	records recordCache
}

var (
	_ passport.Strategy   = (*Strategy)(nil)
	_ passport.LogoutHook = (*Strategy)(nil)
	_ passport.LoginHook  = (*Strategy)(nil)
)

// New returns a refresh strategy configured by cfg; see [Config] for the
// defaults. It panics when cfg.Locker is a [LeasedLocker] whose lease is
// too short for RefreshTimeout.
func New(cfg Config) *Strategy {
	cfg = cfg.withDefaults()
	checkLease(cfg)
	return &Strategy{cfg: cfg}
}

// UseOAuth2Strategy registers the OAuth2 strategy whose token endpoint and
// client credentials refreshes and password grants use. It panics on nil.
func (s *Strategy) UseOAuth2Strategy(strategy *oauth2.Strategy) {
	if strategy == nil {
		panic("refresh: UseOAuth2Strategy: nil strategy")
	}
	s.mu.Lock()
	s.oauth2 = strategy
	s.mu.Unlock()
}

// UseLocalStrategy records the local strategy whose logins
// [Strategy.LocalStrategyCallback] turns into password grants. It is kept
// for parity with the original API: the password grant itself needs only
// [Strategy.UseOAuth2Strategy]. It panics on nil.
func (s *Strategy) UseLocalStrategy(strategy *local.Strategy) {
	if strategy == nil {
		panic("refresh: UseLocalStrategy: nil strategy")
	}
	s.mu.Lock()
	s.local = strategy
	s.mu.Unlock()
}

func (s *Strategy) oauth2Strategy() *oauth2.Strategy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.oauth2
}

// noRedirectKey is the strategy option set by NoRedirect.
type noRedirectKey struct{}

// NoRedirect is the per-call option that rejects unauthenticated requests
// with 401 and a JSON body instead of redirecting them, as Passport's
// {noredirect: true}. Failures and errors of the call are JSON too.
func NoRedirect() passport.Option {
	return passport.Join(passport.StrategyOption(noRedirectKey{}, true), passport.RespondJSON())
}

// Authenticate implements [passport.Strategy]. It restores the user and the
// ticket of the session, refreshing the access token first when it is
// inside the refresh window, and reports an unauthenticated request as a
// redirect to AuthenticationURL or a 401.
func (s *Strategy) Authenticate(r *http.Request) passport.Result {
	ctx := r.Context()
	sessions, err := passport.RequireSession(ctx)
	if err != nil {
		return passport.Error(err)
	}
	id, _ := sessions.Get(ctx, s.cfg.UserProperty).(string)
	if id == "" {
		return s.unauthenticated(r)
	}
	rec, err := s.current(ctx, id)
	if err != nil {
		return s.failure(r, sessions, id, rec, err)
	}
	passport.SetProperty(ctx, s.cfg.UserProperty, rec.Ticket)
	return passport.Restore(rec.user())
}

// unauthenticated redirects browsers to AuthenticationURL, with the
// request's path and query in CallbackParameter, and fails API requests
// with 401 JSON.
func (s *Strategy) unauthenticated(r *http.Request) passport.Result {
	if s.wantsJSON(r) || s.cfg.AuthenticationURL == "" {
		return passport.FailWithInfo(&passport.Info{Message: "authentication required"}, http.StatusUnauthorized).AsJSON()
	}
	target, err := url.Parse(s.cfg.AuthenticationURL)
	if err != nil || target.Path == r.URL.Path {
		// Never redirect the login page to itself.
		return passport.FailWithInfo(&passport.Info{Message: "authentication required"}, http.StatusUnauthorized)
	}
	query := target.Query()
	query.Set(s.cfg.CallbackParameter, r.URL.RequestURI())
	target.RawQuery = query.Encode()
	return passport.Redirect(target.String(), http.StatusFound)
}

func (s *Strategy) wantsJSON(r *http.Request) bool {
	return passport.OptionValue(r, noRedirectKey{}) == true || passport.WantsJSON(r)
}

// failure turns a failed restore or refresh into the request's result.
func (s *Strategy) failure(r *http.Request, sessions passport.Session, id string, rec *record, err error) passport.Result {
	ctx := r.Context()
	now := s.cfg.Now()
	switch {
	case errors.Is(err, errTicketEnded) || isTerminal(err):
		s.clearSession(r, sessions, id)
		return s.unauthenticated(r)
	case isTransient(err) && rec != nil && rec.Ticket.Valid(now):
		// The provider is down but the access token still works: serve
		// with it and try again on a later request.
		passport.SetProperty(ctx, s.cfg.UserProperty, rec.Ticket)
		return passport.Restore(rec.user())
	case isTransient(err):
		return s.asJSON(r, passport.Error(s.unavailable(err)))
	case ctx.Err() != nil:
		return passport.Error(fmt.Errorf("refresh: request ended while waiting for a refresh: %w", ctx.Err()))
	}
	return s.asJSON(r, passport.Error(providerError(err)))
}

func (s *Strategy) asJSON(r *http.Request, res passport.Result) passport.Result {
	if s.wantsJSON(r) {
		return res.AsJSON()
	}
	return res
}

// clearSession ends the ticket and the login of the session.
func (s *Strategy) clearSession(r *http.Request, sessions passport.Session, id string) {
	ctx := r.Context()
	sessions.Remove(ctx, s.cfg.UserProperty)
	sessions.Remove(ctx, passport.SessionUserKey)
	s.endTicket(id)
}

func (s *Strategy) ticketLock(id string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return &s.ticketLocks[h.Sum32()%uint32(len(s.ticketLocks))]
}
