package passport

import "net/http"

// Strategy authenticates a request. Implementations inspect the request and
// report one of five outcomes through a [Result]; they do not write to the
// response. A Strategy must be safe for concurrent use.
//
// A strategy that needs the session or a per-call option reads them with
// [SessionFromContext] and [OptionValue].
type Strategy interface {
	Authenticate(r *http.Request) Result
}

// StrategyFunc adapts a plain function to the [Strategy] interface.
type StrategyFunc func(r *http.Request) Result

// Authenticate calls f(r).
func (f StrategyFunc) Authenticate(r *http.Request) Result { return f(r) }

// Outcome is the kind of result a strategy reports.
type Outcome int

// The five outcomes of Passport.js. The zero Outcome is OutcomePass.
const (
	// OutcomePass means the strategy does not apply to this request. The
	// handler runs with no user, as Passport's pass().
	OutcomePass Outcome = iota
	// OutcomeSuccess means the request carried valid credentials.
	OutcomeSuccess
	// OutcomeFail means the credentials were missing or rejected. The next
	// strategy of the chain, if any, is tried.
	OutcomeFail
	// OutcomeRedirect means the client must go elsewhere, as in the first
	// leg of an OAuth 2.0 authorization.
	OutcomeRedirect
	// OutcomeError means the strategy could not decide because something
	// failed, such as a database or an upstream service.
	OutcomeError
)

// String returns the lowercase name of the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomePass:
		return "pass"
	case OutcomeSuccess:
		return "success"
	case OutcomeFail:
		return "fail"
	case OutcomeRedirect:
		return "redirect"
	case OutcomeError:
		return "error"
	}
	return "unknown"
}

// Info is the message a strategy attaches to a success or a failure, such as
// "invalid username or password". Messages are shown to users: they must not
// contain secrets.
type Info struct {
	// Message is a short, user-facing sentence.
	Message string
	// Type classifies the message for flash display, such as "error" or
	// "success". Empty means the default for the outcome.
	Type string
}

// Result is the outcome of one strategy, or of a whole chain when handed to a
// [CallbackFunc]. Build it with [Success], [Restore], [Fail], [Redirect],
// [Pass] or [Error].
type Result struct {
	// Outcome is the kind of result.
	Outcome Outcome
	// User is the authenticated user on success.
	User any
	// Info is the optional message of a success or a failure.
	Info *Info
	// Challenge is the WWW-Authenticate value of a failure, such as
	// `Bearer realm="api"`. It is sent only with status 401 and only if it
	// is a syntactically valid challenge.
	Challenge string
	// Status is the HTTP status of a failure or a redirect. Zero means 401
	// for a failure and 302 for a redirect.
	Status int
	// Location is the target of a redirect.
	Location string
	// ReturnTo is a URL path a successful login should continue to, such as
	// the page requested before an OAuth 2.0 flow began. It is honored only
	// with [SuccessReturnToOrRedirect] and only after [SafeReturnTo].
	ReturnTo string
	// Err is the cause of an error outcome. A failure may carry one too,
	// such as a provider's refusal, for [FailWithError] and callbacks.
	Err error
	// CredentialsMissing marks a failure of a strategy that found none of
	// the credentials it looks for. In a chain, such a failure does not
	// decide the status or the message over one that rejected credentials.
	CredentialsMissing bool

	// challenges are all valid challenges of a combined chain failure.
	challenges []string
	// json makes the failure or error response of this result JSON.
	json bool

	// restored marks a success whose user came from the existing session, so
	// the Authenticator does not log the user in again.
	restored bool
}

// Success reports that the request is authenticated as user. Unless the call
// has [NoSession] or [AssignProperty], the Authenticator logs the user in,
// which renews the session token.
func Success(user any, info *Info) Result {
	return Result{Outcome: OutcomeSuccess, User: user, Info: info}
}

// Restore reports a success whose user was restored from the current
// session. The Authenticator sets the user on the request but does not log
// in again, so the session token is not renewed.
func Restore(user any) Result {
	return Result{Outcome: OutcomeSuccess, User: user, restored: true}
}

// Fail reports missing or rejected credentials. The challenge is sent as a
// WWW-Authenticate header when the chain fails with 401; pass "" for none.
// A zero status means 401.
func Fail(challenge string, status int) Result {
	return Result{Outcome: OutcomeFail, Challenge: challenge, Status: status}
}

// FailWithInfo is [Fail] with a user-facing message and no challenge.
func FailWithInfo(info *Info, status int) Result {
	return Result{Outcome: OutcomeFail, Info: info, Status: status}
}

// Missing is [Fail] for a request that carried none of the credentials the
// strategy looks for, such as a login form without a username. The info
// message, if any, is shown only when no strategy of the chain rejected
// credentials.
func Missing(challenge string, status int, info *Info) Result {
	return Result{Outcome: OutcomeFail, Challenge: challenge, Status: status, Info: info, CredentialsMissing: true}
}

// Challenges returns the valid WWW-Authenticate challenges of a failure. For
// the combined failure of a chain it returns those of every strategy.
func (r Result) Challenges() []string {
	if r.challenges != nil {
		return r.challenges
	}
	if validChallenge(r.Challenge) {
		return []string{r.Challenge}
	}
	return nil
}

// Redirect sends the client to url. A zero status means 302 Found.
func Redirect(url string, status int) Result {
	return Result{Outcome: OutcomeRedirect, Location: url, Status: status}
}

// Pass reports that the strategy does not apply; the handler runs
// unauthenticated.
func Pass() Result { return Result{Outcome: OutcomePass} }

// Error reports that authentication could not be decided because of err.
func Error(err error) Result { return Result{Outcome: OutcomeError, Err: err} }

// AsJSON returns a copy of r whose failure or error response has a JSON
// body whatever the request accepts, as an API strategy needs.
func (r Result) AsJSON() Result {
	r.json = true
	return r
}

// Restored reports whether r was built with [Restore].
func (r Result) Restored() bool { return r.restored }

// WithReturnTo returns a copy of r with ReturnTo set to path.
func (r Result) WithReturnTo(path string) Result {
	r.ReturnTo = path
	return r
}

// message returns the info message, or "".
func (r Result) message() string {
	if r.Info == nil {
		return ""
	}
	return r.Info.Message
}
