// Package passport authenticates net/http requests with named strategies,
// as Passport.js does for Express.
//
// An [Authenticator] holds strategies registered with [Authenticator.Use].
// [Authenticator.Authenticate] returns middleware that runs them in order
// and ends with one of five outcomes: success, fail, redirect, pass or
// error. A success logs the user into the server-side session, which must be
// loaded by session middleware such as scs's LoadAndSave; later requests
// restore the user with the built-in "session" strategy or with a strategy
// that reads the session itself.
//
//	sessions := scs.New()
//	auth := passport.New(sessions)
//	auth.Use("apikey", passport.StrategyFunc(func(r *http.Request) passport.Result {
//		key := r.Header.Get("X-API-Key")
//		if key == "" {
//			return passport.Missing("", http.StatusUnauthorized, nil)
//		}
//		if key != "secret" {
//			return passport.FailWithInfo(&passport.Info{Message: "invalid API key"}, 0)
//		}
//		return passport.Success("service-account", nil)
//	}))
//
//	r := chi.NewRouter()
//	r.Use(sessions.LoadAndSave)
//	r.With(auth.With(passport.NoSession()).Authenticate("apikey")).
//		Get("/api/items", listItems)
//
// Per-call options, such as [FailureRedirect] or [NoSession], port the
// options object of Passport's authenticate(name, options); they are given
// with [Authenticator.With]. [Authenticator.AuthenticateCallback] ports the
// custom-callback form.
//
// Users are kept in the session as the string that [SerializeFunc] returns
// and restored with [DeserializeFunc]; both chain, and [ErrPass] hands a
// user to the next function. The package stores only strings and string
// slices in the session, so scs's default gob codec needs no
// gob.Register call.
package passport
