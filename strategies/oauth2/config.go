package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	xoauth2 "golang.org/x/oauth2"
)

// Defaults of [Config].
const (
	DefaultScopeSeparator  = " "
	DefaultTokenTimeout    = 10 * time.Second
	DefaultFlowLifetime    = 10 * time.Minute
	DefaultMaxPendingFlows = 10
	DefaultSessionKey      = "passport.oauth2"
)

// AuthStyle is the way the client authenticates to the token endpoint
// (RFC 6749, section 2.3.1). Every token call sends the credentials once,
// in the configured style. It never tries the other style after a failure,
// because a second request would resend a single-use authorization code.
type AuthStyle int

const (
	// AuthStyleHeader sends the client ID and secret with HTTP Basic
	// authentication (client_secret_basic). It is the zero value.
	AuthStyleHeader AuthStyle = iota
	// AuthStyleBody sends client_id and client_secret as form parameters
	// of the token request (client_secret_post).
	AuthStyleBody
)

// xoauth2Style maps s to the x/oauth2 style. It never returns
// xoauth2.AuthStyleAutoDetect.
func (s AuthStyle) xoauth2Style() xoauth2.AuthStyle {
	if s == AuthStyleBody {
		return xoauth2.AuthStyleInParams
	}
	return xoauth2.AuthStyleInHeader
}

// Config configures a [Strategy]. TokenURL and ClientID are required.
// AuthorizationURL and CallbackURL are required together for the code flow.
// Leave both empty for a strategy that only makes token calls, such as the
// one a password-grant setup hands to the refresh strategy. Every other
// field has a working zero value.
type Config struct {
	// AuthorizationURL is the provider's authorization endpoint, an
	// absolute URL. Required for the code flow, together with CallbackURL.
	AuthorizationURL string
	// TokenURL is the provider's token endpoint, an absolute URL.
	// Required.
	TokenURL string

	// ClientID is the client identifier the provider issued. Required.
	ClientID string
	// ClientSecret is the client secret, or "" for a public client.
	ClientSecret string

	// CallbackURL is the redirection URI registered with the provider.
	// It is either absolute, or a path such as "/oauth/callback" that is
	// resolved against each first-leg request. Required for the code
	// flow, because a request whose path equals this URL's path is the
	// callback leg and every other request starts a flow. The comparison uses r.URL.Path
	// as the strategy receives it, so a router that strips a prefix
	// must strip it from CallbackURL too.
	CallbackURL string
	// TrustProxyHeaders makes a relative CallbackURL take its scheme and
	// host from X-Forwarded-Proto and X-Forwarded-Host. Set it only
	// behind a proxy that overwrites those headers. Without it the scheme
	// is https when the request came over TLS, else http, and the host
	// is the request's Host.
	TrustProxyHeaders bool

	// Scopes are the requested scopes, sent with the authorization request
	// and the password grant. Nil requests none.
	Scopes []string
	// ScopeSeparator joins Scopes. Default " ", as RFC 6749 specifies.
	// Some providers expect ",".
	ScopeSeparator string

	// AuthorizationParams are extra query parameters of the authorization
	// redirect, such as "prompt" or "access_type". They cannot replace
	// the parameters of the flow: New panics on response_type,
	// client_id, redirect_uri, state, code_challenge,
	// code_challenge_method, and on scope when Scopes is set.
	AuthorizationParams url.Values
	// TokenParams are extra form parameters of every token request, such
	// as "audience". A parameter that the grant itself sends, such as
	// grant_type or code, is never replaced. New panics on
	// client_secret, which belongs in ClientSecret.
	TokenParams url.Values

	// AuthStyle is the client authentication method of token requests.
	// Default AuthStyleHeader.
	AuthStyle AuthStyle
	// HTTPClient sends the token requests. Default http.DefaultClient.
	HTTPClient *http.Client
	// TokenTimeout bounds every token request, on top of the request
	// context. Default 10s.
	TokenTimeout time.Duration

	// SkipPKCE turns off PKCE (RFC 7636), which is on by default with the
	// S256 method. Set it only for providers that reject the PKCE
	// parameters.
	SkipPKCE bool
	// FlowLifetime is how long a started flow waits for its callback.
	// Default 10m.
	FlowLifetime time.Duration
	// MaxPendingFlows is the maximum number of flows a session keeps
	// waiting for their callbacks, one per browser tab that started a
	// login. The oldest flow is dropped beyond it. Default 10.
	MaxPendingFlows int
	// ReturnToParameter is the query parameter of the first leg that
	// carries the path to continue to after the login. The path travels
	// with the flow and is kept only if [passport.SafeReturnTo] accepts
	// it. "" disables it.
	ReturnToParameter string
	// SessionKey is the session key holding this strategy's pending
	// flows. Give each registered oauth2 strategy its own key. Default
	// "passport.oauth2".
	SessionKey string

	// ProfileLoader loads the user's profile with the new token, such as
	// from a userinfo endpoint. Its error makes the callback fail with
	// 502. Nil means the verify function receives a nil profile.
	ProfileLoader func(ctx context.Context, token *Token) (profile any, err error)
	// Now returns the current time, for flow expiry and [Token.Expiry].
	// Default time.Now.
	Now func() time.Time
}

// reservedAuthorizationParams are the parameters of the authorization
// request that the flow sets itself.
var reservedAuthorizationParams = []string{
	"response_type", "client_id", "redirect_uri", "state",
	"code_challenge", "code_challenge_method",
}

// withDefaults returns a copy of c with the defaults filled in and its
// slices and maps copied, so that later changes by the caller have no
// effect.
func (c Config) withDefaults() Config {
	if c.ScopeSeparator == "" {
		c.ScopeSeparator = DefaultScopeSeparator
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.TokenTimeout <= 0 {
		c.TokenTimeout = DefaultTokenTimeout
	}
	if c.FlowLifetime <= 0 {
		c.FlowLifetime = DefaultFlowLifetime
	}
	if c.MaxPendingFlows <= 0 {
		c.MaxPendingFlows = DefaultMaxPendingFlows
	}
	if c.SessionKey == "" {
		c.SessionKey = DefaultSessionKey
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c.clone()
}

// clone returns a copy of c that shares no slice or map with it.
func (c Config) clone() Config {
	c.Scopes = append([]string(nil), c.Scopes...)
	c.AuthorizationParams = cloneValues(c.AuthorizationParams)
	c.TokenParams = cloneValues(c.TokenParams)
	return c
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for key, values := range v {
		out[key] = append([]string(nil), values...)
	}
	return out
}

// validate panics with a message that names the field when c cannot work.
// It returns the parsed callback URL.
func (c Config) validate() *url.URL {
	requireAbsolute("TokenURL", c.TokenURL)
	tokenOnly := c.AuthorizationURL == "" && c.CallbackURL == ""
	if !tokenOnly {
		requireAbsolute("AuthorizationURL", c.AuthorizationURL)
	}
	if c.ClientID == "" {
		panic("oauth2: Config.ClientID is required")
	}
	if c.AuthStyle != AuthStyleHeader && c.AuthStyle != AuthStyleBody {
		panic(fmt.Sprintf("oauth2: Config.AuthStyle %d is unknown: use AuthStyleHeader or AuthStyleBody", c.AuthStyle))
	}
	for _, key := range reservedAuthorizationParams {
		if _, ok := c.AuthorizationParams[key]; ok {
			panic(fmt.Sprintf("oauth2: Config.AuthorizationParams must not set %q: the flow sets it", key))
		}
	}
	if _, ok := c.AuthorizationParams["scope"]; ok && len(c.Scopes) > 0 {
		panic(`oauth2: Config.AuthorizationParams must not set "scope" when Config.Scopes is set`)
	}
	if _, ok := c.TokenParams["client_secret"]; ok {
		panic(`oauth2: Config.TokenParams must not set "client_secret": use Config.ClientSecret`)
	}
	if tokenOnly {
		return nil
	}
	return parseCallbackURL(c.CallbackURL)
}

func requireAbsolute(field, raw string) {
	if raw == "" {
		panic("oauth2: Config." + field + " is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		panic(fmt.Sprintf("oauth2: Config.%s %q is not an absolute URL", field, raw))
	}
}

// parseCallbackURL accepts an absolute URL or a path that starts with "/".
func parseCallbackURL(raw string) *url.URL {
	if raw == "" {
		panic("oauth2: Config.CallbackURL is required: the callback leg is recognized by its path")
	}
	u, err := url.Parse(raw)
	if err != nil {
		panic(fmt.Sprintf("oauth2: Config.CallbackURL %q is invalid: %v", raw, err))
	}
	absolute := u.Scheme != "" && u.Host != ""
	relative := u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/")
	if !absolute && !relative {
		panic(fmt.Sprintf("oauth2: Config.CallbackURL %q must be an absolute URL or a path starting with /", raw))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u
}

// scope returns the scopes joined by the separator, or "".
func (c Config) scope() string {
	return strings.Join(c.Scopes, c.ScopeSeparator)
}

// xoauth2Config returns the x/oauth2 configuration for one request. The
// scopes are passed as one element, already joined by ScopeSeparator,
// because x/oauth2 always joins with a space.
func (c Config) xoauth2Config(redirectURL string) *xoauth2.Config {
	xc := &xoauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: xoauth2.Endpoint{
			AuthURL:   c.AuthorizationURL,
			TokenURL:  c.TokenURL,
			AuthStyle: c.AuthStyle.xoauth2Style(),
		},
		RedirectURL: redirectURL,
	}
	if scope := c.scope(); scope != "" {
		xc.Scopes = []string{scope}
	}
	return xc
}
