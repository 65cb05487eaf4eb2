package passport

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// stateKey is the context key of the per-request authentication state.
type stateKey struct{}

// requestState is shared by the middleware, the strategies and the handler of
// one request. Login and Logout update it so that the rest of the request
// sees the new user.
//
// It is also the context that carries it: Value returns the state for
// stateKey and asks the parent context for every other key, as a context
// of context.WithValue does, so that the middleware allocates one object
// instead of two.
type requestState struct {
	context.Context

	auth *Authenticator
	opts *callOptions

	mu            sync.Mutex
	user          any
	info          *Info
	authenticated bool
	// properties are kept in a slice that starts in propertyBuf, because a
	// request rarely has more than one or two.
	properties  []property
	propertyBuf [2]property
}

// property is a named value set with SetProperty or AssignProperty.
type property struct {
	name  string
	value any
}

// Value implements [context.Context].
func (st *requestState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return st
	}
	return st.Context.Value(key)
}

// String describes the context for debugging, without the user.
func (st *requestState) String() string {
	if parent, ok := st.Context.(fmt.Stringer); ok {
		return parent.String() + ".WithValue(passport.stateKey)"
	}
	return fmt.Sprintf("%T.WithValue(passport.stateKey)", st.Context)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// withState returns a request carrying a fresh state for one Authenticate
// call. The user and properties of an enclosing call, if any, are carried
// over.
func withState(r *http.Request, a *Authenticator, opts *callOptions) (*http.Request, *requestState) {
	st := &requestState{Context: r.Context(), auth: a, opts: opts}
	if outer := stateFrom(st.Context); outer != nil {
		outer.mu.Lock()
		st.user, st.info, st.authenticated = outer.user, outer.info, outer.authenticated
		if len(outer.properties) > 0 {
			st.properties = append(st.propertyBuf[:0], outer.properties...)
		}
		outer.mu.Unlock()
	}
	return r.WithContext(st), st
}

func (st *requestState) setUser(user any, info *Info) {
	st.mu.Lock()
	st.user, st.info, st.authenticated = user, info, user != nil
	st.mu.Unlock()
}

func (st *requestState) setProperty(name string, value any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range st.properties {
		if st.properties[i].name == name {
			st.properties[i].value = value
			return
		}
	}
	if st.properties == nil {
		st.properties = st.propertyBuf[:0]
	}
	st.properties = append(st.properties, property{name: name, value: value})
}

// property returns the value set under name, or nil.
func (st *requestState) property(name string) any {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, p := range st.properties {
		if p.name == name {
			return p.value
		}
	}
	return nil
}

// User returns the authenticated user of the request, or nil. It ports
// Passport's req.user.
func User(r *http.Request) any { return UserFromContext(r.Context()) }

// UserFromContext is [User] for a context.
func UserFromContext(ctx context.Context) any {
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.user
}

// UserAs returns the authenticated user as a T. The boolean is false when
// the request is anonymous or the user is not a T.
func UserAs[T any](r *http.Request) (T, bool) {
	user, ok := UserFromContext(r.Context()).(T)
	return user, ok
}

// IsAuthenticated reports whether the request has an authenticated user. It
// ports Passport's req.isAuthenticated().
func IsAuthenticated(r *http.Request) bool { return IsAuthenticatedContext(r.Context()) }

// IsAuthenticatedContext is [IsAuthenticated] for a context.
func IsAuthenticatedContext(ctx context.Context) bool {
	st := stateFrom(ctx)
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.authenticated
}

// InfoFrom returns the info that the successful strategy attached, or nil.
func InfoFrom(r *http.Request) *Info { return InfoFromContext(r.Context()) }

// InfoFromContext is [InfoFrom] for a context.
func InfoFromContext(ctx context.Context) *Info {
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.info
}

// Property returns the value stored under name for the request, or nil:
// the user that a call with [AssignProperty](name) authenticated, or what a
// strategy stored with [SetProperty], such as the refresh strategy's
// ticket.
func Property(r *http.Request, name string) any {
	return PropertyFromContext(r.Context(), name)
}

// PropertyFromContext is [Property] for a context.
func PropertyFromContext(ctx context.Context, name string) any {
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	return st.property(name)
}

// SetProperty stores value under name for the rest of the request, readable
// with [Property]. Strategies use it to expose what they restored besides
// the user, as Passport strategies set properties on req. It does nothing
// outside an Authenticate call.
func SetProperty(ctx context.Context, name string, value any) {
	if st := stateFrom(ctx); st != nil {
		st.setProperty(name, value)
	}
}

// SessionFromContext returns the session manager of the Authenticator that
// is running the request, or nil outside an Authenticate call or when the
// Authenticator has none.
func SessionFromContext(ctx context.Context) Session {
	st := stateFrom(ctx)
	if st == nil || st.auth == nil {
		return nil
	}
	return st.auth.sessions
}
