// Package oauth2 is a passport strategy for the OAuth 2.0 authorization code
// flow (RFC 6749, section 4.1), a port of passport-oauth2 built on
// golang.org/x/oauth2.
//
// This package is also named oauth2, so a file that needs both imports
// golang.org/x/oauth2 under the alias xoauth2:
//
//	import (
//		xoauth2 "golang.org/x/oauth2"
//
//		"github.com/go-passport/passport/strategies/oauth2"
//	)
//
// # Flow
//
// Register the strategy under a name and mount the same middleware on the
// route that starts a login and on the callback route:
//
//	sessions := scs.New()
//	auth := passport.New(sessions)
//	auth.SerializeUser(serializeUser)
//	auth.DeserializeUser(deserializeUser)
//	auth.Use("oauth", oauth2.New(oauth2.Config{
//		AuthorizationURL:  "https://provider.example/authorize",
//		TokenURL:          "https://provider.example/token",
//		ClientID:          "client-id",
//		ClientSecret:      os.Getenv("OAUTH_CLIENT_SECRET"),
//		CallbackURL:       "/oauth/callback",
//		Scopes:            []string{"openid", "profile"},
//		ReturnToParameter: "return_to",
//	}, func(ctx context.Context, token *oauth2.Token, profile any) (any, *passport.Info, error) {
//		return findOrCreateUser(ctx, token)
//	}))
//
//	login := auth.With(
//		passport.SuccessReturnToOrRedirect("/profile"),
//		passport.FailureRedirect("/login"),
//	).Authenticate("oauth")
//	mux := http.NewServeMux()
//	mux.Handle("/oauth", login(http.NotFoundHandler()))
//	mux.Handle("/oauth/callback", login(http.NotFoundHandler()))
//	http.ListenAndServe(":8080", sessions.LoadAndSave(mux))
//
// A request to /oauth starts a flow. The strategy stores a pending flow in
// the session under a fresh random state. The flow contains a PKCE verifier
// (RFC 7636, method S256), the redirect URI and the return-to path. Then
// the strategy redirects to the provider. Each browser tab that starts a
// login gets its own pending flow, up to Config.MaxPendingFlows per
// session.
//
// Only a request to the path of Config.CallbackURL is a callback. There,
// the strategy removes the flow named by the state from the session before
// anything else, so a state works once. A missing, unknown, expired or
// reused state fails with 403 before any token request. With a valid
// state, the strategy exchanges the code, loads the profile with
// Config.ProfileLoader, if set, and calls the verify function.
//
// # Failures
//
// A callback that repeats code, state, error, error_description or
// error_uri fails with 400 before any of its values is used, and its flow
// stays pending. A provider that reports an error on the callback, such
// as a user who denied access, makes the login fail with 403 for
// access_denied and 400 otherwise. A token endpoint that rejects the code fails the login with
// 401, and the result carries the [*TokenError]. A provider that cannot be
// reached, times out or responds with 5xx, 429 or a malformed body makes
// the request fail with a 502 [passport.HTTPError] whose code is
// provider_unavailable. The errors and messages of this package leave out
// tokens and response bodies.
//
// # Token calls
//
// [Strategy.Exchange], [Strategy.Refresh] and [Strategy.PasswordGrant] are
// exported for strategies built on this one, such as a refresh strategy.
// Each sends exactly one request, with the client credentials in the
// configured [AuthStyle]. None lets x/oauth2 probe both styles, because
// that would send a single-use code twice. [IsTransient] separates
// failures worth retrying from refusals.
package oauth2
