package passport

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrPass is returned by a serializer or deserializer that does not
	// handle the value, so that the next one in the chain is tried.
	ErrPass = errors.New("passport: pass to the next serializer")

	// ErrUserNotFound is returned by a deserializer whose user no longer
	// exists. The request becomes anonymous and the session's user is
	// cleared, as it is when a deserializer returns a nil user.
	ErrUserNotFound = errors.New("passport: user not found")

	// ErrSessionNotLoaded reports that the request reached the
	// Authenticator without session data, which means the session
	// middleware, such as scs's LoadAndSave, does not wrap the handler.
	ErrSessionNotLoaded = errors.New("passport: session not loaded: wrap the handler with the session middleware (for scs, SessionManager.LoadAndSave)")

	// ErrNoSerializer reports a login with no serializer registered.
	ErrNoSerializer = errors.New("passport: cannot serialize user: no serializer registered with SerializeUser")

	// ErrNoSessionManager reports a login or logout on an Authenticator
	// created without a session manager.
	ErrNoSessionManager = errors.New("passport: no session manager: pass one to passport.New")
)

// AuthenticationError is the error that a call with [FailWithError] hands to
// the error handler when every strategy failed.
type AuthenticationError struct {
	// Status is the failure status, 401 unless a strategy gave another.
	Status int
	// Message is the first strategy message, or "".
	Message string
	// Challenges are the valid WWW-Authenticate values the strategies gave.
	Challenges []string
	// Err is the cause a strategy attached to its failure, or nil.
	Err error
}

// Unwrap returns the cause.
func (e *AuthenticationError) Unwrap() error { return e.Err }

// Error returns the failure message, or the status when there is none.
func (e *AuthenticationError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("passport: authentication failed: %s", e.Message)
	}
	return fmt.Sprintf("passport: authentication failed with status %d", e.Status)
}

// HTTPError is an error that carries the response it should produce. The
// default error handler writes Status, Header and a body made of Code and
// Message; Err, the cause, is never shown to the client.
type HTTPError struct {
	// Status is the HTTP status, 500 when zero.
	Status int
	// Code is a short machine-readable code such as
	// "temporarily_unavailable".
	Code string
	// Message is a user-facing sentence without secrets.
	Message string
	// Header holds extra response headers, such as Retry-After.
	Header http.Header
	// Err is the cause, for logs and errors.Is.
	Err error
}

// Error returns the message, or the status text, followed by the cause.
func (e *HTTPError) Error() string {
	text := e.Message
	if text == "" {
		text = http.StatusText(e.status())
	}
	if e.Err != nil {
		return text + ": " + e.Err.Error()
	}
	return text
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

func (e *HTTPError) status() int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}
