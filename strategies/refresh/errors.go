package refresh

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/oauth2"
)

var (
	// errTicketEnded reports a ticket that is missing, expired in the
	// store or ended by a logout.
	errTicketEnded = errors.New("refresh: ticket ended")

	// ErrNoRefreshToken reports an access token that needs a refresh but
	// came without a refresh token. The ticket ends, as with
	// invalid_grant.
	ErrNoRefreshToken = errors.New("refresh: cannot refresh access token: no refresh token")

	// ErrNotAuthenticated is returned by the outbound client and token
	// source of a request whose session has no valid ticket.
	ErrNotAuthenticated = errors.New("refresh: request is not authenticated")
)

// isTerminal reports a refresh failure after which the refresh token can
// never work again: invalid_grant (expired, revoked or spent), a client the
// provider no longer accepts, or no refresh token at all.
func isTerminal(err error) bool {
	if errors.Is(err, ErrNoRefreshToken) {
		return true
	}
	var tokenErr *oauth2.TokenError
	if !errors.As(err, &tokenErr) || oauth2.IsTransient(err) {
		return false
	}
	return tokenErr.Code == "invalid_grant" || tokenErr.Code == "invalid_client"
}

// isTransient reports a failure that a later attempt may not have:
// network errors, timeouts, 5xx, 429, bodies that do not parse, a store
// that cannot be reached and a ticket lock that could not be taken.
func isTransient(err error) bool {
	var storeErr *storeError
	if oauth2.IsTransient(err) || errors.As(err, &storeErr) || isLockFailure(err) {
		return true
	}
	// The refresh's own timeout, not the request's.
	return errors.Is(err, context.DeadlineExceeded)
}

// unavailable is the 503 sent when the provider, the store or the ticket
// lock fails and the access token has expired.
func (s *Strategy) unavailable(err error) *passport.HTTPError {
	seconds := int((s.cfg.RetryAfter + time.Second - 1) / time.Second)
	message := "the authorization server is unavailable, try again shortly"
	if isLockFailure(err) {
		message = "the access token is being refreshed elsewhere or cannot be locked, try again shortly"
	}
	return &passport.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Code:    "temporarily_unavailable",
		Message: message,
		Header:  http.Header{"Retry-After": {strconv.Itoa(seconds)}},
		Err:     err,
	}
}

// providerError wraps a refusal of the provider that is neither terminal nor
// transient, keeping its OAuth 2.0 error code.
func providerError(err error) error {
	var tokenErr *oauth2.TokenError
	if !errors.As(err, &tokenErr) {
		return err
	}
	code := safeCode(tokenErr.Code)
	message := "the authorization server rejected the request: " + code
	if code == "" {
		message = "the authorization server rejected the request with status " + strconv.Itoa(tokenErr.Status)
	}
	return &passport.HTTPError{
		Status:  http.StatusBadGateway,
		Code:    code,
		Message: message,
		Err:     err,
	}
}

// maxCodeLength bounds a provider's error code in responses and logs.
const maxCodeLength = 64

// safeCode returns the provider's OAuth 2.0 error code with every byte
// outside letters, digits, "_", "-" and "." dropped, cut to 64 bytes.
// RFC 6749 codes such as invalid_scope pass unchanged; anything else a
// provider sends cannot inject markup or control characters.
func safeCode(code string) string {
	var b strings.Builder
	for i := 0; i < len(code) && b.Len() < maxCodeLength; i++ {
		c := code[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
