package provider

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
)

// Config configures a [Provider]. The zero value is a working demo setup
// with one confidential client and one user.
type Config struct {
	// Issuer is the base URL that clients reach the server at, such as
	// "http://127.0.0.1:9096". It is shown in the page footer and set as
	// fosite's token URL and access token issuer. The forms post back to
	// the URL they were served from, whatever Issuer says. Default: empty.
	Issuer string

	// ClientID and ClientSecret identify the one confidential client.
	// Defaults: "demo-app" and "demo-secret".
	ClientID     string
	ClientSecret string

	// RedirectURIs lists the redirect URIs the client may use. fosite
	// accepts plain http only for loopback hosts and localhost. Default:
	// none, so only the password and refresh grants work.
	RedirectURIs []string

	// Users maps usernames to passwords. Default: {"alice": "wonderland"}.
	Users map[string]string

	// AccessTokenLifespan is how long an access token is valid.
	// Default: 1 minute.
	AccessTokenLifespan time.Duration

	// RefreshTokenLifespan is how long a refresh token is valid.
	// Default: 24 hours.
	RefreshTokenLifespan time.Duration

	// Scopes lists the scopes the client may request. Default:
	// {"profile", "offline_access", "api"}. Refresh tokens are issued for
	// the code and password grants whatever scopes are granted.
	Scopes []string

	// RevokeAccessTokenOnRefresh makes a successful refresh grant also
	// revoke the access tokens issued earlier from the same grant. Default
	// false: earlier access tokens stay valid until they expire, so a
	// request already in flight with one is not rejected.
	RevokeAccessTokenOnRefresh bool

	// Logger receives a record for each token request, login, consent
	// decision and rejected request, without tokens, codes or passwords.
	// Default: discard.
	Logger *slog.Logger

	// Secret is the HMAC key that signs tokens and codes, at least 32
	// bytes. Default: 32 random bytes per process, so tokens do not
	// survive a restart.
	Secret []byte
}

// Provider is an in-memory OAuth 2.0 authorization server built on
// github.com/ory/fosite, for examples and integration tests. It serves the
// authorization code grant with PKCE (S256, required for every client),
// the refresh token grant with rotation and reuse detection, the resource
// owner password credentials grant, token revocation, and two protected
// resource endpoints. All methods are safe for concurrent use.
type Provider struct {
	cfg    Config
	oauth  fosite.OAuth2Provider
	store  *store
	forms  *formTokens
	logger *slog.Logger
	stats  counters

	// tokenMu runs token and revocation requests one at a time, because
	// fosite reads a code or refresh token and invalidates it in separate
	// storage calls. Serialized, a refresh token presented twice at the
	// same moment is still detected as reuse.
	tokenMu sync.Mutex

	faultMu sync.Mutex
	fault   Fault
}

// New builds a provider from cfg, filling in the defaults. It returns an
// error if cfg.Secret is set but shorter than 32 bytes.
func New(cfg Config) (*Provider, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	st := newStore(cfg.Users, cfg.RevokeAccessTokenOnRefresh)
	oauth, err := newFosite(cfg, st)
	if err != nil {
		return nil, err
	}
	return &Provider{
		cfg:    cfg,
		oauth:  oauth,
		store:  st,
		forms:  newFormTokens(formTokenLifespan, maxFormTokens),
		logger: cfg.Logger,
	}, nil
}

// Handler returns the HTTP handler that serves every route:
//
//	GET, POST /oauth2/auth     authorization endpoint (login, then consent page)
//	POST      /oauth2/token    token endpoint
//	POST      /oauth2/revoke   token revocation (RFC 7009)
//	GET       /api/data        protected resource, JSON
//	GET       /api/userinfo    protected resource, JSON {"sub": ...}
//	GET       /healthz         liveness, JSON {"status": "ok"}
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/auth", p.authorizeGet)
	mux.HandleFunc("POST /oauth2/auth", p.authorizePost)
	mux.HandleFunc("POST /oauth2/token", p.token)
	mux.HandleFunc("POST /oauth2/revoke", p.revoke)
	mux.HandleFunc("GET /api/data", p.requireToken(p.data))
	mux.HandleFunc("GET /api/userinfo", p.requireToken(p.userinfo))
	mux.HandleFunc("GET /healthz", p.healthz)
	return mux
}

func withDefaults(cfg Config) (Config, error) {
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.ClientID == "" {
		cfg.ClientID = "demo-app"
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "demo-secret"
	}
	if cfg.Users == nil {
		cfg.Users = map[string]string{"alice": "wonderland"}
	}
	if cfg.AccessTokenLifespan <= 0 {
		cfg.AccessTokenLifespan = time.Minute
	}
	if cfg.RefreshTokenLifespan <= 0 {
		cfg.RefreshTokenLifespan = 24 * time.Hour
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "offline_access", "api"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return withSecret(cfg)
}

func withSecret(cfg Config) (Config, error) {
	if len(cfg.Secret) > 0 && len(cfg.Secret) < minSecretLength {
		return cfg, fmt.Errorf("provider: invalid secret: %d bytes, need at least %d", len(cfg.Secret), minSecretLength)
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, minSecretLength)
		rand.Read(cfg.Secret) // documented since Go 1.24 to crash rather than return an error
	}
	return cfg, nil
}

// minSecretLength is the shortest HMAC key that fosite's HMAC strategy
// (token/hmac in v0.49.0) accepts.
const minSecretLength = 32
