package oauth2

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"

	xoauth2 "golang.org/x/oauth2"

	"github.com/go-passport/passport/passport"
)

// VerifyFunc turns the token and profile of a finished authorization into a
// user, as the verify callback of passport-oauth2. It returns a nil user,
// with an optional message, to reject the login, and an error when it
// cannot decide, such as when the user database is down.
type VerifyFunc func(ctx context.Context, token *Token, profile any) (user any, info *passport.Info, err error)

// VerifyRequestFunc is [VerifyFunc] with the callback request, as
// passport-oauth2's passReqToCallback. Use it to link the provider account
// to the user who is already logged in.
type VerifyRequestFunc func(r *http.Request, token *Token, profile any) (user any, info *passport.Info, err error)

// Strategy is the OAuth 2.0 authorization code flow (RFC 6749, section
// 4.1) with state and PKCE, as passport-oauth2's OAuth2Strategy. A request
// to the path of Config.CallbackURL is the callback leg, and any other
// request starts a flow by redirecting to the provider. A Strategy is safe for
// concurrent use.
type Strategy struct {
	cfg      Config
	callback *url.URL
	verify   VerifyRequestFunc
}

var _ passport.Strategy = (*Strategy)(nil)

// New returns a strategy that calls verify after each successful token
// exchange. It panics when verify is nil or cfg lacks a required field,
// because both are setup mistakes.
func New(cfg Config, verify VerifyFunc) *Strategy {
	if verify == nil {
		panic("oauth2: New: nil verify function")
	}
	return NewWithRequest(cfg, func(r *http.Request, token *Token, profile any) (any, *passport.Info, error) {
		return verify(r.Context(), token, profile)
	})
}

// NewWithRequest is [New] with a verify function that receives the
// callback request.
func NewWithRequest(cfg Config, verify VerifyRequestFunc) *Strategy {
	if verify == nil {
		panic("oauth2: NewWithRequest: nil verify function")
	}
	callback := cfg.validate()
	return &Strategy{cfg: cfg.withDefaults(), callback: callback, verify: verify}
}

// Config returns a copy of the strategy's configuration with the defaults
// filled in.
func (s *Strategy) Config() Config { return s.cfg.clone() }

// Authenticate runs the leg of the flow that r belongs to. It needs the
// session, which keeps the pending flows, and returns an error outcome
// without one.
func (s *Strategy) Authenticate(r *http.Request) passport.Result {
	sessions, err := passport.RequireSession(r.Context())
	if err != nil {
		return passport.Error(err)
	}
	if s.callback == nil {
		return passport.Error(ErrTokenCallsOnly)
	}
	if r.URL.Path == s.callback.Path {
		return s.handleCallback(r, sessions)
	}
	return s.startFlow(r, sessions)
}

// startFlow is the first leg: it records a pending flow in the session and
// redirects to the provider's authorization endpoint.
func (s *Strategy) startFlow(r *http.Request, sessions passport.Session) passport.Result {
	redirectURL, err := s.redirectURL(r)
	if err != nil {
		return passport.Error(err)
	}
	now := s.cfg.Now()
	state := newState()
	pending := flow{
		RedirectURL: redirectURL,
		ReturnTo:    s.returnTo(r),
		Created:     now,
		Expires:     now.Add(s.cfg.FlowLifetime),
	}
	var opts []xoauth2.AuthCodeOption
	if !s.cfg.SkipPKCE {
		pending.Verifier = xoauth2.GenerateVerifier()
		opts = append(opts, xoauth2.S256ChallengeOption(pending.Verifier))
	}
	s.addFlow(r.Context(), sessions, state, pending)
	return passport.Redirect(s.authCodeURL(state, redirectURL, opts), http.StatusFound)
}

// newState returns 256 random bits, base64url-encoded.
func newState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

// returnTo returns the safe return-to path of a first-leg request, or "".
func (s *Strategy) returnTo(r *http.Request) string {
	if s.cfg.ReturnToParameter == "" {
		return ""
	}
	return passport.SafeReturnTo(r.URL.Query().Get(s.cfg.ReturnToParameter), "")
}

// authCodeURL returns the authorization redirect with the configured
// AuthorizationParams added.
func (s *Strategy) authCodeURL(state, redirectURL string, opts []xoauth2.AuthCodeOption) string {
	raw := s.cfg.xoauth2Config(redirectURL).AuthCodeURL(state, opts...)
	if len(s.cfg.AuthorizationParams) == 0 {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Unreachable: New checked that AuthorizationURL parses.
		return raw
	}
	query := u.Query()
	for key, values := range s.cfg.AuthorizationParams {
		query[key] = values
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// handleCallback is the callback leg. It checks the provider's response
// and the state, exchanges the code and verifies the user.
func (s *Strategy) handleCallback(r *http.Request, sessions passport.Session) passport.Result {
	ctx := r.Context()
	query := r.URL.Query()

	// A response parameter must not be repeated (RFC 6749, section 3.1).
	// Which copy counts would be a guess, so the callback is rejected
	// before any value is used, and the pending flow stays.
	if name := repeatedParameter(query); name != "" {
		return passport.FailWithInfo(&passport.Info{Message: "invalid callback: repeated parameter " + name}, http.StatusBadRequest)
	}

	// The provider reports a refusal, such as a user who denied access.
	// Its description is shown only when the state names a pending flow,
	// so that a forged link cannot put chosen text on the app's pages.
	if query.Has("error") {
		code, description := query.Get("error"), ""
		if _, ok := s.takeFlow(ctx, sessions, query.Get("state")); ok {
			description = query.Get("error_description")
		} else if !authorizationErrorCodes[code] {
			code = ""
		}
		return authorizationDenied(code, description)
	}

	// The code must be present and the state must name a pending flow,
	// which is removed here so that it cannot be used twice.
	code := query.Get("code")
	if code == "" {
		return passport.FailWithInfo(&passport.Info{Message: "missing authorization code"}, http.StatusBadRequest)
	}
	pending, ok := s.takeFlow(ctx, sessions, query.Get("state"))
	if !ok {
		return passport.FailWithInfo(&passport.Info{Message: "invalid or expired state: start the login again"}, http.StatusForbidden)
	}

	// Exchange the code with the verifier and redirect URI of the flow.
	token, err := s.Exchange(ctx, code, pending.Verifier, pending.RedirectURL)
	if err != nil {
		return exchangeFailure(err)
	}
	profile, err := s.loadProfile(ctx, token)
	if err != nil {
		return passport.Error(providerUnavailable(err))
	}
	return s.verifyUser(r, token, profile, pending.ReturnTo)
}

// callbackParameters are the parameters of an authorization response
// (RFC 6749, sections 4.1.2 and 4.1.2.1).
var callbackParameters = []string{"code", "state", "error", "error_description", "error_uri"}

// repeatedParameter returns the first callback parameter that query has
// more than once, or "".
func repeatedParameter(query url.Values) string {
	for _, name := range callbackParameters {
		if len(query[name]) > 1 {
			return name
		}
	}
	return ""
}

// authorizationErrorCodes are the error codes of an authorization response
// (RFC 6749, section 4.1.2.1). A callback without a pending flow shows only
// these, so a forged link cannot put chosen text in the code either.
var authorizationErrorCodes = map[string]bool{
	"invalid_request":           true,
	"unauthorized_client":       true,
	"access_denied":             true,
	"unsupported_response_type": true,
	"invalid_scope":             true,
	"server_error":              true,
	"temporarily_unavailable":   true,
}

// authorizationDenied is the failure for a callback that carries an error
// parameter: 403 for access_denied, 400 for any other error.
func authorizationDenied(code, description string) passport.Result {
	status := http.StatusBadRequest
	if code == "access_denied" {
		status = http.StatusForbidden
	}
	message := cleanText(code)
	if d := cleanText(description); d != "" {
		message += ": " + d
	}
	if message == "" {
		message = "authorization failed"
	}
	return passport.FailWithInfo(&passport.Info{Message: message}, status)
}

// exchangeFailure turns a token exchange error into a result: a refusal by
// the provider is a 401 failure carrying the [*TokenError], and anything
// else, including a transient refusal such as temporarily_unavailable, is
// a 502 error.
func exchangeFailure(err error) passport.Result {
	var tokenErr *TokenError
	if !errors.As(err, &tokenErr) || IsTransient(err) {
		return passport.Error(providerUnavailable(err))
	}
	message := "authorization failed"
	if code := cleanText(tokenErr.Code); code != "" {
		message += ": " + code
	}
	res := passport.FailWithInfo(&passport.Info{Message: message}, http.StatusUnauthorized)
	res.Err = tokenErr
	return res
}

// providerUnavailable wraps err in the 502 response that the default error
// handler writes.
func providerUnavailable(err error) *passport.HTTPError {
	return &passport.HTTPError{
		Status:  http.StatusBadGateway,
		Code:    "provider_unavailable",
		Message: "the authorization server is unavailable, try again",
		Err:     err,
	}
}

func (s *Strategy) loadProfile(ctx context.Context, token *Token) (any, error) {
	if s.cfg.ProfileLoader == nil {
		return nil, nil
	}
	return s.cfg.ProfileLoader(ctx, token)
}

// verifyUser calls the verify function and converts what it returns into
// a result.
// A success carries the flow's return-to path.
func (s *Strategy) verifyUser(r *http.Request, token *Token, profile any, returnTo string) passport.Result {
	user, info, err := s.verify(r, token, profile)
	if err != nil {
		return passport.Error(err)
	}
	if isNil(user) {
		if info == nil {
			info = &passport.Info{Message: "login rejected"}
		}
		return passport.FailWithInfo(info, http.StatusUnauthorized)
	}
	return passport.Success(user, info).WithReturnTo(returnTo)
}

// isNil reports whether v is nil or a nil pointer, map, slice, function or
// channel, so that a verify function returning a typed nil rejects the
// login instead of logging in a nil user.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
