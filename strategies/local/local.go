package local

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"github.com/go-passport/passport/passport"
)

// Defaults and limits of [Config].
const (
	defaultUsernameField = "username"
	defaultPasswordField = "password"
	defaultMaxBodyBytes  = 64 << 10

	// maxJSONDepth is the maximum nesting of objects and arrays in a JSON
	// body, the top-level object included.
	maxJSONDepth = 32
)

// Messages of the failures that the strategy reports itself.
const (
	msgMissingCredentials = "missing credentials"
	msgInvalidLogin       = "invalid username or password"
)

// Config configures a [Strategy]. The zero Config reads the fields
// "username" and "password" from bodies of at most 64 KiB.
type Config struct {
	// UsernameField is the name of the username field. The default is
	// "username". A nested name uses bracket notation, "user[email]", or
	// dot notation, "user.email". Both mean the field email inside user.
	// In a form, a nested field is the literal key "user[email]" whichever
	// notation is used here. In JSON, it is a path into nested objects.
	UsernameField string

	// PasswordField is the name of the password field, "password" by
	// default. Nested names work as for UsernameField.
	PasswordField string

	// MaxBodyBytes is the maximum size of the request body, 64 KiB by
	// default. Zero or a negative value means the default. A larger body
	// fails with 400 "request body too large". The limit also applies to
	// multipart bodies, file parts included.
	MaxBodyBytes int64
}

// VerifyFunc checks a username and password, as the verify callback of
// passport-local. It returns the user when the credentials are valid. It
// returns a nil user, with an optional message, when they are not, and an
// error only when the check itself failed, such as a database error. Give
// unknown users and wrong passwords the same message, so the response does
// not reveal which usernames exist.
type VerifyFunc func(ctx context.Context, username, password string) (user any, info *passport.Info, err error)

// VerifyRequestFunc is [VerifyFunc] with the request instead of its context,
// as passport-local's passReqToCallback option. The request body has already
// been read: use r.PostForm for forms, or read r.Body again for JSON.
type VerifyRequestFunc func(r *http.Request, username, password string) (user any, info *passport.Info, err error)

// Strategy authenticates a request by the username and password in its
// body. It is safe for concurrent use. Create it with [New] or
// [NewWithRequest].
type Strategy struct {
	username     field
	password     field
	maxBodyBytes int64
	verify       VerifyRequestFunc
}

var _ passport.Strategy = (*Strategy)(nil)

// New returns a strategy that checks credentials with verify, called with
// the request's context. It panics if verify is nil or a field name in cfg
// is malformed, such as "user[email", because those are setup mistakes.
func New(cfg Config, verify VerifyFunc) *Strategy {
	if verify == nil {
		panic("local: New: nil verify function")
	}
	return newStrategy("New", cfg, func(r *http.Request, username, password string) (any, *passport.Info, error) {
		return verify(r.Context(), username, password)
	})
}

// NewWithRequest is [New] for a verify function that needs the request,
// such as one that rate-limits by client address. It panics as New does.
func NewWithRequest(cfg Config, verify VerifyRequestFunc) *Strategy {
	if verify == nil {
		panic("local: NewWithRequest: nil verify function")
	}
	return newStrategy("NewWithRequest", cfg, verify)
}

func newStrategy(caller string, cfg Config, verify VerifyRequestFunc) *Strategy {
	s := &Strategy{maxBodyBytes: cfg.MaxBodyBytes, verify: verify}
	if s.maxBodyBytes <= 0 {
		s.maxBodyBytes = defaultMaxBodyBytes
	}
	s.username = mustParseField(caller, "UsernameField", cfg.UsernameField, defaultUsernameField)
	s.password = mustParseField(caller, "PasswordField", cfg.PasswordField, defaultPasswordField)
	return s
}

// Authenticate reads the username and password from the request body and
// checks them with the verify function. It never reads the URL query.
//
// The outcomes are:
//   - A body that cannot be read, such as invalid JSON or one larger than
//     MaxBodyBytes: a 400 failure with a message naming the problem.
//   - An empty or absent username or password, or a body of an unsupported
//     content type: a 400 failure marked with CredentialsMissing. The
//     verify function is not called.
//   - A user from verify: a success with verify's info.
//   - A nil user, including a nil pointer: a 401 failure with verify's
//     message, or "invalid username or password" if it gave none.
//   - An error from verify: an error outcome that wraps it.
func (s *Strategy) Authenticate(r *http.Request) passport.Result {
	username, password, bodyErr := s.readCredentials(r)
	if bodyErr != nil {
		return bodyErr.result()
	}
	if username == "" || password == "" {
		return passport.Missing("", http.StatusBadRequest, &passport.Info{Message: msgMissingCredentials})
	}
	user, info, err := s.verify(r, username, password)
	return verifyResult(user, info, err)
}

// verifyResult turns the return values of a verify function into a result.
func verifyResult(user any, info *passport.Info, err error) passport.Result {
	if err != nil {
		return passport.Error(fmt.Errorf("local: verify: %w", err))
	}
	if !isNil(user) {
		return passport.Success(user, info)
	}
	if info == nil {
		info = &passport.Info{Message: msgInvalidLogin}
	} else if info.Message == "" {
		info = &passport.Info{Message: msgInvalidLogin, Type: info.Type}
	}
	return passport.FailWithInfo(info, http.StatusUnauthorized)
}

// isNil reports whether user is nil or a nil pointer, map, slice or other
// nillable value inside a non-nil interface.
func isNil(user any) bool {
	if user == nil {
		return true
	}
	v := reflect.ValueOf(user)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface,
		reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}
