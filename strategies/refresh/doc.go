// Package refresh keeps a user's OAuth 2.0 tokens in a server-side session
// and renews the access token just before it expires, on the request that
// needs it. It is the Go port of the OAuth2RefreshTokenStrategy of the Node
// package passport-oauth2-middleware, and it also logs users in with the
// OAuth 2.0 resource owner password credentials grant.
//
// The strategy is registered as "main" and composes the oauth2 and local
// strategies, as the original does:
//
//	refreshStrategy := refresh.New(refresh.Config{
//		RefreshWindow:     10 * time.Second,
//		AuthenticationURL: "/login",
//		CallbackParameter: "callback",
//	})
//	auth.Use("main", refreshStrategy)
//	auth.SerializeUser(refresh.SerializeUser)
//	auth.DeserializeUser(refresh.DeserializeUser)
//
//	oauthStrategy := oauth2.New(oauth2.Config{
//		AuthorizationURL: "https://auth.example/oauth2/auth",
//		TokenURL:         "https://auth.example/oauth2/token",
//		ClientID:         "app",
//		ClientSecret:     os.Getenv("CLIENT_SECRET"),
//		CallbackURL:      "/oauth/callback",
//	}, refreshStrategy.OAuth2StrategyCallback())
//	auth.Use("oauth", oauthStrategy)
//	refreshStrategy.UseOAuth2Strategy(oauthStrategy)
//
//	localStrategy := local.New(local.Config{}, refreshStrategy.LocalStrategyCallback())
//	auth.Use("local", localStrategy)
//	refreshStrategy.UseLocalStrategy(localStrategy)
//
//	r.With(auth.Authenticate("main")).Get("/profile", profile)
//	r.With(auth.With(refresh.NoRedirect()).Authenticate("main")).Get("/api/data", data)
//
// # Tickets
//
// A ticket is the access token, refresh token, token type, absolute expiry,
// scope and ID token of one login. The session holds only a random ticket
// ID under [Config.UserProperty]; the ticket itself is kept in
// [Config.Store], apart from the session data. A refresh rewrites the
// ticket but never the session, so a request that loaded the session before
// a refresh and commits it afterwards writes back the same ticket ID and
// cannot restore a spent refresh token. Handlers read the ticket with
// [Strategy.Ticket] and call resource servers with [Strategy.Client].
//
// # Refresh
//
// An access token is refreshed when now >= expiry - RefreshWindow, with the
// window cut to half of the token's lifetime. Concurrent requests of one
// ticket share a single token call; a request that joins late reads the
// ticket again inside the call, so the token endpoint sees each refresh
// token at most once per process. The call is detached from the request
// and bounded by [Config.RefreshTimeout], so a client that goes away does
// not lose the rotated refresh token.
//
// A token response without expires_in, or with one of zero or less, is
// taken to last [Config.DefaultExpiresIn] (5 minutes by default): the token
// is refreshed on that schedule instead of on every request or never. A refresh
// response without a refresh token keeps the previous one.
//
// # Failures
//
//	provider answer                    request result
//	invalid_grant or invalid_client    ticket ended; redirect to login or 401 JSON
//	no refresh token in the ticket     ticket ended; redirect to login or 401 JSON
//	network error, timeout, 5xx, 429,  access token still valid: served with it;
//	or a body that does not parse      expired: 503 with Retry-After
//	any other OAuth 2.0 error          502 with the provider's error code
//
// For the password grant, invalid_grant is the login failure "invalid
// username or password". A store that cannot be reached, or a ticket lock
// that cannot be taken (see below), fails as the provider does when it is
// unavailable: the old access token while it works, else 503.
//
// # Several instances
//
// App instances that share one session store also share tickets through
// [Config.Store] and coordinate refreshes through [Config.Locker], such as
// the Redis lock of package
// github.com/go-passport/passport/strategies/refresh/redislock:
//
//	sessions.Store = passport.GuardStore(redisstore.New(pool), sessions.Lifetime)
//	refreshStrategy := refresh.New(refresh.Config{
//		Store:          sessions.Store,
//		TicketLifetime: sessions.Lifetime,
//		Locker:         redislock.New(pool, redislock.Config{}),
//	})
//
// A refresh then runs in one process at a time per ticket. It takes the
// ticket's lock, waiting at most [Config.LockWait], reads the ticket
// again, calls the token endpoint only if no other process has refreshed
// the ticket, saves it and unlocks. A refresh that does not get the lock
// never calls the token endpoint: it uses the ticket that another process
// saved meanwhile, or fails as a transient failure. A lock expires after
// its lease, so a process that dies while it holds one delays the
// refreshes of that ticket by at most the lease.
//
// The lock does NOT hold when its lease runs out while the holder is still
// working (New rejects a lease shorter than RefreshTimeout plus
// [MinLeaseMargin], but a process paused for longer can still outlive it),
// and it can be lost when a Redis primary fails over before the lock
// reached its replica. The provider then receives one refresh token twice.
// A provider with rotation and reuse detection revokes the token family,
// and the user has to log in again.
package refresh
