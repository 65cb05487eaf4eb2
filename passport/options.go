package passport

import (
	"context"
	"net/http"
)

// Option changes one call of [Authenticator.Authenticate] or
// [Authenticator.AuthenticateCallback], as the options object of Passport's
// authenticate(name, options) does. Options are built only by the functions
// of this package, so a mistyped option is a compile error. Strategy packages
// build their own options with [StrategyOption].
type Option interface {
	apply(*callOptions)
}

type optionFunc func(*callOptions)

func (f optionFunc) apply(o *callOptions) { f(o) }

type callOptions struct {
	successRedirect string
	successReturnTo bool
	successMessage  *string
	failureRedirect string
	failureMessage  *string
	failWithError   bool
	noSession       bool
	assignProperty  string
	json            bool
	strategyOptions map[any]any
}

func collectOptions(opts []Option) callOptions {
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

// SuccessRedirect sends the client to url after a successful login, with
// 302 Found for GET and HEAD requests and 303 See Other otherwise.
func SuccessRedirect(url string) Option {
	return optionFunc(func(o *callOptions) { o.successRedirect = url })
}

// SuccessReturnToOrRedirect sends the client, after a successful login, to
// the return-to path that the strategy or the session carries, if
// [SafeReturnTo] accepts it, else to url. It ports Passport's
// successReturnToOrRedirect.
func SuccessReturnToOrRedirect(url string) Option {
	return optionFunc(func(o *callOptions) {
		o.successRedirect = url
		o.successReturnTo = true
	})
}

// SuccessMessage stores message as a flash message after a successful login.
// An empty message uses the strategy's own, if any.
func SuccessMessage(message string) Option {
	return optionFunc(func(o *callOptions) { o.successMessage = &message })
}

// FailureRedirect sends the client to url when every strategy failed,
// instead of responding with the failure status.
func FailureRedirect(url string) Option {
	return optionFunc(func(o *callOptions) { o.failureRedirect = url })
}

// FailureMessage stores a flash message when every strategy failed, for the
// next page to show with [Authenticator.PopMessages]. An empty message uses
// the first strategy's own message. It ports Passport's failureMessage.
func FailureMessage(message string) Option {
	return optionFunc(func(o *callOptions) { o.failureMessage = &message })
}

// FailWithError hands a failed authentication to the Authenticator's error
// handler as an [*AuthenticationError] instead of writing the failure
// response.
func FailWithError() Option {
	return optionFunc(func(o *callOptions) { o.failWithError = true })
}

// NoSession authenticates this request only: a success sets the user on the
// request but does not log in or touch the session. It ports Passport's
// session: false.
func NoSession() Option {
	return optionFunc(func(o *callOptions) { o.noSession = true })
}

// AssignProperty stores the authenticated user under name, readable with
// [Property], instead of logging the user in. It ports Passport's
// assignProperty, used to link a second account to a logged-in user.
func AssignProperty(name string) Option {
	return optionFunc(func(o *callOptions) { o.assignProperty = name })
}

// RespondJSON makes failures and errors of this call respond with a JSON
// body even when the request does not prefer JSON, as API routes need.
func RespondJSON() Option {
	return optionFunc(func(o *callOptions) { o.json = true })
}

// Join combines several options into one, so that a strategy package can
// offer one option that sets several things.
func Join(opts ...Option) Option {
	return optionFunc(func(o *callOptions) {
		for _, opt := range opts {
			if opt != nil {
				opt.apply(o)
			}
		}
	})
}

// StrategyOption returns an option that a strategy reads with
// [OptionValue]. The key should be a value of an unexported type of the
// strategy's package, as with context keys.
func StrategyOption(key, value any) Option {
	return optionFunc(func(o *callOptions) {
		if o.strategyOptions == nil {
			o.strategyOptions = make(map[any]any)
		}
		o.strategyOptions[key] = value
	})
}

// OptionValue returns the value of the strategy option key given to the
// Authenticate call that is running the request, or nil.
func OptionValue(r *http.Request, key any) any {
	return OptionValueFromContext(r.Context(), key)
}

// OptionValueFromContext is [OptionValue] for a context.
func OptionValueFromContext(ctx context.Context, key any) any {
	st := stateFrom(ctx)
	if st == nil || st.opts == nil {
		return nil
	}
	return st.opts.strategyOptions[key]
}
