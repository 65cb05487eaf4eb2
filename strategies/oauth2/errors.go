package oauth2

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNoRefreshToken is returned by [Strategy.Refresh] when it is given an
// empty refresh token. No request is sent.
var ErrNoRefreshToken = errors.New("oauth2: cannot refresh token: no refresh token")

// ErrTokenCallsOnly is the error outcome of Authenticate on a strategy
// configured without AuthorizationURL and CallbackURL, which can make token
// calls but cannot run the code flow.
var ErrTokenCallsOnly = errors.New("oauth2: cannot run the code flow: set Config.AuthorizationURL and Config.CallbackURL")

// TokenError is a refusal by the token endpoint: an error response of
// RFC 6749, section 5.2. It is returned for any status, including a 200
// response whose body has an error field, and for a 4xx response without
// one. A TokenError with status 5xx or 429, such as
// temporarily_unavailable, is transient, as [IsTransient] reports.
type TokenError struct {
	// Status is the HTTP status of the response.
	Status int
	// Code is the error parameter, such as "invalid_grant", or "" when
	// the response had none.
	Code string
	// Description is the error_description parameter, or "".
	Description string
	// URI is the error_uri parameter, or "".
	URI string
}

// Error returns the code and description, bounded in length and stripped
// of control characters. It never contains the response body.
func (e *TokenError) Error() string {
	code := cleanText(e.Code)
	if code == "" {
		return fmt.Sprintf("oauth2: token request rejected with status %d", e.Status)
	}
	text := "oauth2: token request rejected: " + code
	if description := cleanText(e.Description); description != "" {
		text += ": " + description
	}
	return text
}

// TransientError is a token request that failed for a reason that may
// pass: a network error, a timeout, a 5xx or 429 response without an error
// code, a body that does not parse or a response without access_token.
type TransientError struct {
	// Status is the HTTP status of the response, or 0 when none arrived.
	Status int
	// Err is the cause, or nil when the status alone explains the failure.
	Err error
}

// Error returns the status and the cause. It never contains the response
// body.
func (e *TransientError) Error() string {
	text := "oauth2: token request failed"
	if e.Status != 0 {
		text += fmt.Sprintf(" with status %d", e.Status)
	}
	if e.Err != nil {
		text += ": " + strings.TrimPrefix(e.Err.Error(), "oauth2: ")
	}
	return text
}

// Unwrap returns the cause.
func (e *TransientError) Unwrap() error { return e.Err }

// IsTransient reports whether err is a failure worth retrying later: a
// [*TransientError], a [*TokenError] with status 5xx or 429, a context
// deadline or a network error, wrapped or not. It returns false for nil, for
// a TokenError with any other status, such as invalid_grant with 400, and
// for any other error.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var transient *TransientError
	if errors.As(err, &transient) {
		return true
	}
	var tokenErr *TokenError
	if errors.As(err, &tokenErr) {
		return transientStatus(tokenErr.Status)
	}
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr)
}

func transientStatus(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests
}

// maxTextLength bounds provider-supplied text in messages, in bytes.
const maxTextLength = 200

// cleanText makes text from a provider safe to show: it drops control,
// format and invalid characters and cuts the result to maxTextLength bytes
// at a character boundary, adding "...".
func cleanText(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxTextLength {
			b.WriteString("...")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
