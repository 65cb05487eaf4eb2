package passport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
)

// Authenticator is a registry of named strategies and the middleware that
// runs them, as the passport object of Passport.js. Create it with [New].
// Its methods are safe for concurrent use; set ErrorHandler and Logger
// before serving.
type Authenticator struct {
	// ErrorHandler writes the response for an error outcome and for a
	// failure under [FailWithError]. Nil means [DefaultErrorHandler].
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives one record for each error outcome. Nil logs nothing.
	Logger *slog.Logger

	sessions Session

	mu            sync.RWMutex
	strategies    map[string]Strategy
	order         []string
	serializers   []SerializeFunc
	deserializers []DeserializeFunc
}

// New returns an Authenticator that keeps logins in sessions, which is
// usually an *scs.SessionManager. A nil sessions is allowed for apps that
// authenticate every request with [NoSession].
//
// The built-in strategy "session" restores the user of a logged-in session,
// as Passport's passport.session(); run it with Authenticate("session").
func New(sessions Session) *Authenticator {
	a := &Authenticator{sessions: sessions, strategies: make(map[string]Strategy)}
	a.Use("session", sessionStrategy{auth: a})
	return a
}

// Use registers strategy under name, replacing any strategy of that name.
// It panics if name is empty or strategy is nil, which are setup mistakes.
func (a *Authenticator) Use(name string, strategy Strategy) {
	if name == "" {
		panic("passport: Use: empty strategy name")
	}
	if strategy == nil {
		panic(fmt.Sprintf("passport: Use: nil strategy for %q", name))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.strategies[name]; !ok {
		a.order = append(a.order, name)
	}
	a.strategies[name] = strategy
}

// Unuse removes the strategy registered under name. Middleware built for it
// reports an error outcome from then on.
func (a *Authenticator) Unuse(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.strategies, name)
	for i, n := range a.order {
		if n == name {
			a.order = append(a.order[:i:i], a.order[i+1:]...)
			break
		}
	}
}

// Strategy returns the strategy registered under name, or nil.
func (a *Authenticator) Strategy(name string) Strategy {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.strategies[name]
}

// Call is an Authenticate call with options, built by [Authenticator.With].
type Call struct {
	auth *Authenticator
	opts callOptions
}

// With returns a call that applies opts, so that
//
//	auth.With(passport.FailureRedirect("/login")).Authenticate("local")
//
// ports passport.authenticate('local', {failureRedirect: '/login'}).
func (a *Authenticator) With(opts ...Option) Call {
	return Call{auth: a, opts: collectOptions(opts)}
}

// Authenticate returns middleware that tries the named strategies in order,
// without options. See [Call.Authenticate].
func (a *Authenticator) Authenticate(names ...string) func(http.Handler) http.Handler {
	return a.With().Authenticate(names...)
}

// AuthenticateCallback returns a handler that tries the named strategies and
// hands the result to fn, without options. See [Call.AuthenticateCallback].
func (a *Authenticator) AuthenticateCallback(fn CallbackFunc, names ...string) http.Handler {
	return a.With().AuthenticateCallback(fn, names...)
}

// Authenticate returns middleware that tries the named strategies in order.
// A success, redirect, pass or error ends the chain; only a failure moves on
// to the next strategy. When all fail, the response has the first status
// given by a strategy that examined credentials, else 401. Only when every
// strategy found no credentials does the first status of any of them
// count. A 401 carries every valid WWW-Authenticate challenge.
//
// It panics if names is empty or a name is not registered, because that is
// a setup mistake. A strategy removed later with Unuse makes requests fail
// with an error.
func (c Call) Authenticate(names ...string) func(http.Handler) http.Handler {
	c.auth.checkNames(names)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, st := withState(r, c.auth, &c.opts)
			res := c.run(r, names)
			c.respond(w, r, st, res, next)
		})
	}
}

// CallbackFunc receives the result of a chain run by
// [Call.AuthenticateCallback]. When every strategy failed, res is a failure
// with the status, the first message and the first challenge.
type CallbackFunc func(w http.ResponseWriter, r *http.Request, res Result)

// AuthenticateCallback returns a handler that tries the named strategies as
// [Call.Authenticate] does, then calls fn with the result instead of
// responding. It ports passport.authenticate(name, callback): fn decides
// what to write and calls [Authenticator.Login] itself.
func (c Call) AuthenticateCallback(fn CallbackFunc, names ...string) http.Handler {
	if fn == nil {
		panic("passport: AuthenticateCallback: nil callback")
	}
	c.auth.checkNames(names)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = withState(r, c.auth, &c.opts)
		fn(w, r, c.run(r, names))
	})
}

func (a *Authenticator) checkNames(names []string) {
	if len(names) == 0 {
		panic("passport: Authenticate: no strategy names")
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, name := range names {
		if _, ok := a.strategies[name]; !ok {
			panic(fmt.Sprintf("passport: Authenticate: unknown strategy %q: register it with Use first", name))
		}
	}
}

// run tries the strategies and returns the deciding result, or the combined
// failure of all of them.
func (c Call) run(r *http.Request, names []string) Result {
	var failures []Result
	for _, name := range names {
		strategy := c.auth.Strategy(name)
		if strategy == nil {
			return Error(fmt.Errorf("passport: unknown strategy %q: it was removed with Unuse", name))
		}
		res := strategy.Authenticate(r)
		if res.Outcome != OutcomeFail {
			return res
		}
		failures = append(failures, res)
	}
	return combineFailures(failures)
}

// combineFailures merges the failures of a chain. The status and message
// come from the failures that examined credentials, and from the others only
// when every strategy found none. A strategy that found no credentials thus
// never overrides the 401 default of a strategy that rejected them.
func combineFailures(failures []Result) Result {
	combined := Result{Outcome: OutcomeFail}
	var challenges []string
	for _, f := range decidingFailures(failures) {
		if combined.Status == 0 && f.Status != 0 {
			combined.Status = f.Status
		}
		if combined.Info == nil && f.Info != nil {
			combined.Info = f.Info
		}
	}
	combined.Err = firstCause(failures)
	for _, f := range failures {
		if validChallenge(f.Challenge) {
			challenges = append(challenges, f.Challenge)
		}
	}
	if combined.Status == 0 {
		combined.Status = http.StatusUnauthorized
	}
	if len(challenges) > 0 {
		combined.Challenge = challenges[0]
	}
	combined.challenges = challenges
	combined.CredentialsMissing = allMissing(failures)
	for _, f := range failures {
		combined.json = combined.json || f.json
	}
	return combined
}

// decidingFailures returns the failures that examined credentials, or all
// of them when none did.
func decidingFailures(failures []Result) []Result {
	var rejections []Result
	for _, f := range failures {
		if !f.CredentialsMissing {
			rejections = append(rejections, f)
		}
	}
	if len(rejections) == 0 {
		return failures
	}
	return rejections
}

// firstCause returns the first error attached to a failure that examined
// credentials, else the first attached to any failure, else nil.
func firstCause(failures []Result) error {
	for _, f := range decidingFailures(failures) {
		if f.Err != nil {
			return f.Err
		}
	}
	for _, f := range failures {
		if f.Err != nil {
			return f.Err
		}
	}
	return nil
}

func allMissing(failures []Result) bool {
	for _, f := range failures {
		if !f.CredentialsMissing {
			return false
		}
	}
	return len(failures) > 0
}

func (c Call) respond(w http.ResponseWriter, r *http.Request, st *requestState, res Result, next http.Handler) {
	switch res.Outcome {
	case OutcomeSuccess:
		c.succeed(w, r, st, res, next)
	case OutcomeFail:
		c.fail(w, r, res)
	case OutcomeRedirect:
		writeRedirect(w, res.Location, res.Status, r.Method)
	case OutcomeError:
		c.auth.handleError(w, r, res.Err, c.opts.json || res.json)
	default:
		next.ServeHTTP(w, r)
	}
}

func (c Call) succeed(w http.ResponseWriter, r *http.Request, st *requestState, res Result, next http.Handler) {
	if isNil(res.User) {
		c.auth.handleError(w, r, errors.New("passport: strategy reported success without a user"), c.opts.json)
		return
	}
	if c.opts.assignProperty != "" {
		st.setProperty(c.opts.assignProperty, res.User)
		next.ServeHTTP(w, r)
		return
	}
	st.setUser(res.User, res.Info)
	if !c.opts.noSession && !res.restored {
		if err := c.auth.Login(w, r, res.User); err != nil {
			c.auth.handleError(w, r, err, c.opts.json)
			return
		}
		if c.opts.successMessage != nil {
			message := *c.opts.successMessage
			if message == "" {
				message = res.message()
			}
			c.auth.addMessage(r.Context(), message)
		}
	}
	if target := c.successTarget(r, res); target != "" {
		writeRedirect(w, target, 0, r.Method)
		return
	}
	next.ServeHTTP(w, r)
}

// successTarget returns where to send the client after a login, or "" to
// run the handler.
func (c Call) successTarget(r *http.Request, res Result) string {
	if !c.opts.successReturnTo {
		return c.opts.successRedirect
	}
	returnTo := res.ReturnTo
	if !c.opts.noSession {
		// Take the session's path even when the result has its own, so that
		// a stale one cannot redirect a later login.
		stored := c.auth.popReturnTo(r.Context())
		if returnTo == "" {
			returnTo = stored
		}
	}
	return SafeReturnTo(returnTo, c.opts.successRedirect)
}

// popReturnTo removes and returns the session's return-to path, or "" when
// there is none or no session is loaded.
func (a *Authenticator) popReturnTo(ctx context.Context) string {
	if a.checkSession(ctx) != nil || !a.sessions.Exists(ctx, SessionReturnToKey) {
		return ""
	}
	returnTo, _ := a.sessions.Get(ctx, SessionReturnToKey).(string)
	a.sessions.Remove(ctx, SessionReturnToKey)
	return returnTo
}

func (c Call) fail(w http.ResponseWriter, r *http.Request, res Result) {
	if c.opts.failureMessage != nil && !c.opts.noSession && c.auth.checkSession(r.Context()) == nil {
		message := *c.opts.failureMessage
		if message == "" {
			message = res.message()
		}
		c.auth.addMessage(r.Context(), message)
	}
	if c.opts.failureRedirect != "" {
		writeRedirect(w, c.opts.failureRedirect, 0, r.Method)
		return
	}
	if c.opts.failWithError {
		c.auth.handleError(w, r, &AuthenticationError{
			Status:     res.Status,
			Message:    res.message(),
			Challenges: res.challenges,
			Err:        res.Err,
		}, c.opts.json || res.json)
		return
	}
	writeFailure(w, r, res, c.opts.json || res.json)
}

// isNil reports whether v is nil or a nil pointer, map, slice, channel or
// function wrapped in an interface, as a strategy returning a typed nil
// user produces.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
