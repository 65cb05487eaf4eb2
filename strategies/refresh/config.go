package refresh

import (
	"log/slog"
	"net/http"
	"time"
)

// AtExpiry is the RefreshWindow that refreshes an access token only once it
// has expired. A zero RefreshWindow means the default of 10 s, as
// refreshWindow: 0 does in passport-oauth2-middleware, so a window of zero
// is spelled AtExpiry.
const AtExpiry time.Duration = -1

// Defaults of [Config].
const (
	DefaultRefreshWindow     = 10 * time.Second
	DefaultUserProperty      = "ticket"
	DefaultCallbackParameter = "callback"
	DefaultExpiresIn         = 5 * time.Minute
	DefaultRefreshTimeout    = 15 * time.Second
	DefaultRetryAfter        = 5 * time.Second
	DefaultTicketLifetime    = 24 * time.Hour
)

// Config configures a [Strategy]. The zero value is usable: every field has
// a documented default.
type Config struct {
	// RefreshWindow is how long before its expiry an access token is
	// refreshed. Zero means 10 s; [AtExpiry] refreshes only once the token
	// has expired. A window longer than half of a token's lifetime is cut
	// to half of it, so a short-lived token is not refreshed on every
	// request.
	RefreshWindow time.Duration

	// UserProperty is the session key that refers to the user's ticket and
	// the name under which the ticket is set on the request (see
	// [Strategy.Ticket]). Default "ticket".
	UserProperty string

	// AuthenticationURL is where unauthenticated browsers are sent, such as
	// "/login". Empty means they get 401 instead.
	AuthenticationURL string

	// CallbackParameter is the query parameter of AuthenticationURL that
	// carries the path and query of the request that needed a login.
	// Default "callback".
	CallbackParameter string

	// DefaultExpiresIn is the lifetime assumed for an access token whose
	// token response had no expires_in, or one of zero or less. Default
	// 5 minutes. The token is
	// then refreshed as if the provider had sent that lifetime, so it is
	// neither refreshed on every request nor trusted forever.
	DefaultExpiresIn time.Duration

	// RefreshTimeout bounds each refresh, which runs detached from the
	// request that started it so a client that goes away does not abandon
	// it. Default 15 s.
	RefreshTimeout time.Duration

	// RetryAfter is the Retry-After value of the 503 sent when the provider
	// fails and the access token has expired. It is also how long, after
	// such a failure, requests are served with an access token that still
	// works instead of trying the provider again. Default 5 s.
	RetryAfter time.Duration

	// Store keeps tickets apart from the session data, so that a request
	// that commits a stale copy of the session cannot bring back a spent
	// refresh token. An scs session store (SessionManager.Store) fits. Nil
	// means an in-process memory store, which suits a single instance.
	Store Store

	// Locker coordinates the refreshes of one ticket across processes
	// that share Store, such as app instances behind a load balancer. A
	// refresh takes the ticket's lock, reads the ticket again, refreshes
	// only if no other process has, saves and unlocks. A logout takes the
	// lock too. Nil means the refreshes are coordinated within this
	// process only, which suits a single instance. [New] checks the lease
	// of a [LeasedLocker].
	Locker Locker

	// LockWait is how long a refresh waits for the lock of its ticket
	// before it gives up. A refresh that gives up reads the ticket again:
	// it uses the ticket if another process refreshed it meanwhile, and
	// otherwise fails as the provider does when it is unavailable (the
	// old access token while it works, else 503). Default RefreshTimeout.
	LockWait time.Duration

	// TicketLifetime is how long a ticket is kept in Store after the login
	// or refresh that last wrote it. Set it to the session manager's
	// Lifetime, which login renews, so the ticket lasts as long as the
	// session. Default 24 h.
	TicketLifetime time.Duration

	// HTTPClient is the base client of [Strategy.Client] for calls to
	// resource servers. Nil means http.DefaultClient.
	HTTPClient *http.Client

	// Logger receives refresh and failure records, never a token. Nil
	// logs nothing.
	Logger *slog.Logger

	// OnRefresh is called after each refresh attempt. It must not block.
	OnRefresh func(RefreshEvent)

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	switch {
	case c.RefreshWindow == 0:
		c.RefreshWindow = DefaultRefreshWindow
	case c.RefreshWindow < 0:
		c.RefreshWindow = 0
	}
	if c.UserProperty == "" {
		c.UserProperty = DefaultUserProperty
	}
	if c.CallbackParameter == "" {
		c.CallbackParameter = DefaultCallbackParameter
	}
	if c.DefaultExpiresIn <= 0 {
		c.DefaultExpiresIn = DefaultExpiresIn
	}
	if c.RefreshTimeout <= 0 {
		c.RefreshTimeout = DefaultRefreshTimeout
	}
	if c.LockWait <= 0 {
		c.LockWait = c.RefreshTimeout
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.TicketLifetime <= 0 {
		c.TicketLifetime = DefaultTicketLifetime
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Store == nil {
		c.Store = NewMemoryStore()
	}
	return c
}

// RefreshEvent describes one refresh attempt, for metrics and logs. It never
// contains a token.
type RefreshEvent struct {
	// User is the name of the ticket's user.
	User string
	// Outcome is "refreshed", "transient_failure", "terminal_failure" or
	// "error".
	Outcome string
	// Code is the provider's OAuth 2.0 error code, if any.
	Code string
	// Err is the failure, nil when refreshed.
	Err error
	// Duration is the time the token call took.
	Duration time.Duration
}
