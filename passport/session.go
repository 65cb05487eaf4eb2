package passport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Session is the part of a session manager that passport uses.
// *scs.SessionManager (github.com/alexedwards/scs/v2) satisfies it as it is.
//
// Passport stores only strings and string slices, so its values survive
// scs's default gob codec without any gob.Register call.
type Session interface {
	Get(ctx context.Context, key string) any
	Put(ctx context.Context, key string, val any)
	Remove(ctx context.Context, key string)
	Exists(ctx context.Context, key string) bool
	RenewToken(ctx context.Context) error
	Destroy(ctx context.Context) error
}

// Session keys written by the core.
const (
	// SessionUserKey holds the serialized user of a logged-in session.
	SessionUserKey = "passport.user"
	// SessionMessagesKey holds the flash messages that
	// [FailureMessage] and [SuccessMessage] store.
	SessionMessagesKey = "passport.messages"
	// SessionReturnToKey holds the path to continue to after a login, set
	// with [Authenticator.SetReturnTo].
	SessionReturnToKey = "passport.returnTo"
)

// SerializeFunc turns a user into the string kept in the session, such as
// its ID. It returns [ErrPass] to let the next serializer try.
type SerializeFunc func(ctx context.Context, user any) (string, error)

// DeserializeFunc turns the string kept in the session back into a user. It
// returns [ErrPass] to let the next deserializer try, and [ErrUserNotFound]
// or a nil user when the user no longer exists.
type DeserializeFunc func(ctx context.Context, id string) (any, error)

// sessionLoaded reports whether ctx carries session data. scs panics when
// it does not, so the probe recovers that panic and reports false.
func sessionLoaded(s Session, ctx context.Context) (loaded bool) {
	defer func() {
		if recover() != nil {
			loaded = false
		}
	}()
	s.Exists(ctx, SessionUserKey)
	return true
}

// RequireSession returns the session manager of the Authenticator running
// the request. It returns [ErrNoSessionManager] outside an Authenticate call
// or when the Authenticator has none, and [ErrSessionNotLoaded] when no
// session middleware loaded the session. Strategies that keep state in the
// session call it first.
func RequireSession(ctx context.Context) (Session, error) {
	st := stateFrom(ctx)
	if st == nil || st.auth == nil {
		return nil, ErrNoSessionManager
	}
	if err := st.auth.checkSession(ctx); err != nil {
		return nil, err
	}
	return st.auth.sessions, nil
}

func (a *Authenticator) checkSession(ctx context.Context) error {
	if a.sessions == nil {
		return ErrNoSessionManager
	}
	if !sessionLoaded(a.sessions, ctx) {
		return ErrSessionNotLoaded
	}
	return nil
}

func (a *Authenticator) serialize(ctx context.Context, user any) (string, error) {
	a.mu.RLock()
	chain := a.serializers
	a.mu.RUnlock()
	if len(chain) == 0 {
		return "", ErrNoSerializer
	}
	for _, fn := range chain {
		id, err := fn(ctx, user)
		if errors.Is(err, ErrPass) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("passport: cannot serialize user: %w", err)
		}
		return id, nil
	}
	return "", fmt.Errorf("passport: cannot serialize user of type %T: every serializer passed", user)
}

// deserialize returns the user for id. A nil user and nil error mean the
// user no longer exists.
func (a *Authenticator) deserialize(ctx context.Context, id string) (any, error) {
	a.mu.RLock()
	chain := a.deserializers
	a.mu.RUnlock()
	if len(chain) == 0 {
		return nil, errors.New("passport: cannot deserialize user: no deserializer registered with DeserializeUser")
	}
	for _, fn := range chain {
		user, err := fn(ctx, id)
		if errors.Is(err, ErrPass) {
			continue
		}
		if errors.Is(err, ErrUserNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("passport: cannot deserialize user: %w", err)
		}
		return user, nil
	}
	return nil, errors.New("passport: cannot deserialize user: every deserializer passed")
}

// SerializeUser appends fn to the serializer chain. Serializers are tried
// in the order they were added until one does not return [ErrPass].
func (a *Authenticator) SerializeUser(fn SerializeFunc) {
	if fn == nil {
		panic("passport: SerializeUser: nil function")
	}
	a.mu.Lock()
	a.serializers = append(a.serializers[:len(a.serializers):len(a.serializers)], fn)
	a.mu.Unlock()
}

// DeserializeUser appends fn to the deserializer chain, tried in order as
// with [Authenticator.SerializeUser].
func (a *Authenticator) DeserializeUser(fn DeserializeFunc) {
	if fn == nil {
		panic("passport: DeserializeUser: nil function")
	}
	a.mu.Lock()
	a.deserializers = append(a.deserializers[:len(a.deserializers):len(a.deserializers)], fn)
	a.mu.Unlock()
}

// Login stores user in the session, as Passport's req.logIn. It serializes
// the user, renews the session token against session fixation and keeps
// every other session value, so a return-to path and flash messages
// survive. Then every registered strategy that implements [LoginHook]
// stores its per-login data. Inside an Authenticate call, the rest of the
// request sees the user through [User].
//
// With scs, call Login before writing any part of the response: a session
// change made after the response has started is lost.
func (a *Authenticator) Login(w http.ResponseWriter, r *http.Request, user any) error {
	if user == nil {
		return errors.New("passport: cannot log in: nil user")
	}
	if stateFrom(r.Context()) == nil {
		// Outside an Authenticate call, give the hooks the state through
		// which RequireSession finds this Authenticator's sessions.
		r, _ = withState(r, a, &callOptions{})
	}
	ctx := r.Context()
	if err := a.checkSession(ctx); err != nil {
		return err
	}
	id, err := a.serialize(ctx, user)
	if err != nil {
		return err
	}
	if err := a.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("passport: cannot renew session token: %w", err)
	}
	for _, hook := range strategiesAs[LoginHook](a) {
		if err := hook.Login(ctx, user); err != nil {
			return fmt.Errorf("passport: cannot log in: %w", err)
		}
	}
	a.sessions.Put(ctx, SessionUserKey, id)
	if st := stateFrom(ctx); st != nil {
		st.setUser(user, st.info)
	}
	return nil
}

// Logout ends the login, as Passport's req.logout. It lets every
// registered strategy that implements [LogoutHook] clean up, then destroys
// the session entry, which removes every key that any strategy wrote, and
// makes the session middleware expire the cookie.
//
// With scs v2.9.0, a request that loaded the session before Logout and
// changes it afterwards commits the old token again, login included, unless
// the session store is wrapped with [GuardStore].
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) error {
	if stateFrom(r.Context()) == nil {
		// Outside an Authenticate call, give the hooks the state through
		// which RequireSession finds this Authenticator's sessions.
		r, _ = withState(r, a, &callOptions{})
	}
	ctx := r.Context()
	if err := a.checkSession(ctx); err != nil {
		return err
	}
	var errs []error
	for _, hook := range strategiesAs[LogoutHook](a) {
		if err := hook.Logout(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := a.sessions.Destroy(ctx); err != nil {
		errs = append(errs, fmt.Errorf("passport: cannot destroy session: %w", err))
	}
	if st := stateFrom(ctx); st != nil {
		st.setUser(nil, nil)
	}
	return errors.Join(errs...)
}

// LoginHook is implemented by strategies that keep per-login data outside
// the user, such as tokens. [Authenticator.Login] calls it for every
// registered strategy after renewing the session token. A strategy thus
// writes to the session only when the app logs the user in, so neither a
// call with [NoSession] or [AssignProperty] nor a custom callback that
// rejects the user changes the session. The hook ignores users that are
// not its own.
type LoginHook interface {
	Login(ctx context.Context, user any) error
}

// strategiesAs returns the registered strategies that implement T, in the
// order they were registered.
func strategiesAs[T any](a *Authenticator) []T {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var matches []T
	for _, name := range a.order {
		if strategy, ok := a.strategies[name].(T); ok {
			matches = append(matches, strategy)
		}
	}
	return matches
}

// LogoutHook is implemented by strategies that keep data outside the
// session, such as tokens in a separate store. [Authenticator.Logout] calls
// it while the session is still loaded.
type LogoutHook interface {
	Logout(ctx context.Context) error
}

// SetReturnTo stores path in the session as the place to continue to after
// the next login. [SuccessReturnToOrRedirect] reads it. Paths that
// [SafeReturnTo] rejects are not stored.
func (a *Authenticator) SetReturnTo(r *http.Request, path string) error {
	ctx := r.Context()
	if err := a.checkSession(ctx); err != nil {
		return err
	}
	if SafeReturnTo(path, "") == "" {
		return nil
	}
	a.sessions.Put(ctx, SessionReturnToKey, path)
	return nil
}

// addMessage appends a flash message to the session.
func (a *Authenticator) addMessage(ctx context.Context, message string) {
	if message == "" || a.sessions == nil {
		return
	}
	messages, _ := a.sessions.Get(ctx, SessionMessagesKey).([]string)
	a.sessions.Put(ctx, SessionMessagesKey, append(messages[:len(messages):len(messages)], message))
}

// PopMessages removes and returns the flash messages stored by
// [FailureMessage] or [SuccessMessage]. It returns nil when there are none
// or the session is not loaded.
func (a *Authenticator) PopMessages(r *http.Request) []string {
	ctx := r.Context()
	if a.checkSession(ctx) != nil {
		return nil
	}
	messages, _ := a.sessions.Get(ctx, SessionMessagesKey).([]string)
	if len(messages) > 0 {
		a.sessions.Remove(ctx, SessionMessagesKey)
	}
	return messages
}

// sessionStrategy restores the logged-in user from the session. It is
// registered under the name "session", as in Passport.
type sessionStrategy struct{ auth *Authenticator }

func (s sessionStrategy) Authenticate(r *http.Request) Result {
	a := s.auth
	ctx := r.Context()
	if err := a.checkSession(ctx); err != nil {
		return Error(err)
	}
	id, _ := a.sessions.Get(ctx, SessionUserKey).(string)
	if id == "" {
		return Pass()
	}
	user, err := a.deserialize(ctx, id)
	if err != nil {
		return Error(err)
	}
	if user == nil {
		a.sessions.Remove(ctx, SessionUserKey)
		return Pass()
	}
	return Restore(user)
}
