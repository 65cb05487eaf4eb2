package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	xoauth2 "golang.org/x/oauth2"
)

// Token is a successful token response (RFC 6749, section 5.1).
//
// Its String, GoString and LogValue methods leave out every token, so
// printing or logging a Token reveals no secret. Extra still holds them.
type Token struct {
	AccessToken  string
	RefreshToken string
	// TokenType is the token_type as sent, such as "Bearer".
	TokenType string
	// Expiry is when the access token expires: the time the response
	// arrived, by Config.Now, plus ExpiresIn. It is zero when the
	// response had no expires_in.
	Expiry time.Time
	// ExpiresIn is the expires_in parameter in seconds, 0 when absent. It
	// may arrive as a number or as a numeric string. Values above
	// math.MaxInt32 are cut to it, as x/oauth2 does.
	ExpiresIn int64
	// Scope is the scope parameter, or "" when the provider granted the
	// requested scope without saying so.
	Scope string
	// IDToken is the OpenID Connect id_token, or "". It is not verified.
	IDToken string
	// Extra holds every field of the response, tokens included: the
	// decoded JSON object, or the first value of each field of a
	// form-encoded body. It is never nil.
	Extra map[string]any
}

// String returns a summary of t without any token.
func (t *Token) String() string {
	if t == nil {
		return "oauth2.Token(nil)"
	}
	return fmt.Sprintf("oauth2.Token{TokenType: %q, Expiry: %s, Scope: %q, refresh: %t}",
		t.TokenType, t.Expiry.Format(time.RFC3339), t.Scope, t.RefreshToken != "")
}

// GoString is String, so that %#v does not print the tokens either.
func (t *Token) GoString() string { return t.String() }

// LogValue returns the token type, expiry and scope for log/slog.
func (t *Token) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("type", t.TokenType),
		slog.Time("expiry", t.Expiry),
		slog.String("scope", t.Scope),
		slog.Bool("refresh", t.RefreshToken != ""),
	)
}

// Exchange trades an authorization code for a token (RFC 6749, section
// 4.1.3). The verifier is the PKCE code verifier of the flow, "" for none,
// and redirectURL must equal the redirect_uri of the authorization request.
//
// Like every token call, it sends one request, bounded by TokenTimeout and
// ctx, through Config.HTTPClient, with the client credentials in the
// configured AuthStyle and the TokenParams added. It returns a
// [*TokenError] when the provider rejects the request and a
// [*TransientError] for any other failure.
func (s *Strategy) Exchange(ctx context.Context, code, verifier, redirectURL string) (*Token, error) {
	var opts []xoauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, xoauth2.VerifierOption(verifier))
	}
	config := s.cfg.xoauth2Config(redirectURL)
	return s.retrieve(ctx, func(ctx context.Context) (*xoauth2.Token, error) {
		return config.Exchange(ctx, code, opts...)
	})
}

// Refresh trades a refresh token for a new token (RFC 6749, section 6). It
// sends no scope, so the provider keeps the granted one. When the response
// has no refresh_token, the returned token carries the one sent. It
// returns [ErrNoRefreshToken] for an empty refresh token and otherwise
// fails as [Strategy.Exchange] does.
func (s *Strategy) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	config := s.cfg.xoauth2Config("")
	seed := &xoauth2.Token{RefreshToken: refreshToken}
	token, err := s.retrieve(ctx, func(ctx context.Context) (*xoauth2.Token, error) {
		// A token without an access token is never valid, so the
		// source refreshes it at once.
		return config.TokenSource(ctx, seed).Token()
	})
	if err != nil {
		return nil, err
	}
	if token.RefreshToken == "" {
		token.RefreshToken = refreshToken
	}
	return token, nil
}

// PasswordGrant trades a username and password for a token with the
// resource owner password credentials grant (RFC 6749, section 4.3),
// requesting the configured scopes. It fails as [Strategy.Exchange] does.
// Providers usually reject wrong credentials with a [*TokenError] whose
// code is invalid_grant.
func (s *Strategy) PasswordGrant(ctx context.Context, username, password string) (*Token, error) {
	config := s.cfg.xoauth2Config("")
	return s.retrieve(ctx, func(ctx context.Context) (*xoauth2.Token, error) {
		return config.PasswordCredentialsToken(ctx, username, password)
	})
}

// retrieve runs one x/oauth2 token call with the timeout, the HTTP client
// and the TokenParams of the configuration, and converts its result.
func (s *Strategy) retrieve(ctx context.Context, call func(context.Context) (*xoauth2.Token, error)) (*Token, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TokenTimeout)
	defer cancel()

	recorder := newTokenTransport(s.cfg.HTTPClient, s.cfg.TokenParams)
	xt, err := call(context.WithValue(ctx, xoauth2.HTTPClient, recorder.client()))
	if err != nil {
		return nil, tokenCallError(err, recorder.status)
	}
	return newToken(xt, recorder.response(), s.cfg.Now()), nil
}

// tokenCallError converts an error of x/oauth2 into a [*TokenError] or a
// [*TransientError]. The status is that of the last response, 0 for none.
func tokenCallError(err error, status int) error {
	var retrieveErr *xoauth2.RetrieveError
	if !errors.As(err, &retrieveErr) {
		// Network errors, timeouts, bodies that do not parse and
		// responses without access_token.
		return &TransientError{Status: status, Err: err}
	}
	if retrieveErr.Response != nil {
		status = retrieveErr.Response.StatusCode
	}
	if retrieveErr.ErrorCode == "" && (status < 400 || transientStatus(status)) {
		return &TransientError{Status: status}
	}
	return &TokenError{
		Status:      status,
		Code:        retrieveErr.ErrorCode,
		Description: retrieveErr.ErrorDescription,
		URI:         retrieveErr.ErrorURI,
	}
}

// newToken converts the token that x/oauth2 parsed, completing it from the
// response body, which x/oauth2 does not expose in full.
func newToken(xt *xoauth2.Token, body recordedBody, now time.Time) *Token {
	extra := body.fields()
	token := &Token{
		AccessToken:  xt.AccessToken,
		RefreshToken: xt.RefreshToken,
		TokenType:    xt.TokenType,
		ExpiresIn:    xt.ExpiresIn,
		Extra:        extra,
	}
	if token.ExpiresIn == 0 {
		// x/oauth2 fills ExpiresIn only for JSON bodies.
		token.ExpiresIn = parseExpiresIn(extra["expires_in"])
	}
	if token.ExpiresIn != 0 {
		token.Expiry = now.Add(time.Duration(token.ExpiresIn) * time.Second)
	}
	token.Scope, _ = extra["scope"].(string)
	token.IDToken, _ = extra["id_token"].(string)
	return token
}

// parseExpiresIn returns expires_in in seconds from a JSON number or a
// numeric string, 0 when it is absent or not a number.
func parseExpiresIn(v any) int64 {
	var seconds float64
	switch v := v.(type) {
	case float64:
		seconds = v
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		seconds = float64(n)
	}
	return int64(max(min(seconds, math.MaxInt32), math.MinInt32))
}

// recordedBody is the body of a token response and its content type.
type recordedBody struct {
	contentType string
	data        []byte
}

// fields decodes the body as x/oauth2 does: form-encoded for the
// application/x-www-form-urlencoded and text/plain types, JSON otherwise.
// It returns an empty map for a body that does not decode.
func (b recordedBody) fields() map[string]any {
	fields := make(map[string]any)
	mediaType, _, _ := mime.ParseMediaType(b.contentType)
	if mediaType != "application/x-www-form-urlencoded" && mediaType != "text/plain" {
		if err := json.Unmarshal(b.data, &fields); err != nil {
			return make(map[string]any)
		}
		return fields
	}
	values, err := url.ParseQuery(string(b.data))
	if err != nil {
		return fields
	}
	for key := range values {
		fields[key] = values.Get(key)
	}
	return fields
}
