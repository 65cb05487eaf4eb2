// Package provider is an in-memory OAuth 2.0 authorization server for the
// examples and integration tests, built on github.com/ory/fosite v0.49.0.
//
// It serves one confidential client, a fixed set of users and:
//
//   - the authorization code grant with its own login and consent pages,
//     and PKCE with S256 required for every client;
//   - the refresh token grant with rotation: each refresh returns a new
//     refresh token and deactivates the old one. A used refresh token
//     presented again gets invalid_grant and revokes every access and
//     refresh token issued from the same grant;
//   - the resource owner password credentials grant, where a wrong
//     password gets invalid_grant (400);
//   - token revocation (RFC 7009) and two protected JSON resources that
//     validate bearer tokens with fosite's introspection.
//
// Clients authenticate with client_secret_basic or client_secret_post.
// Refresh tokens are issued for the code and password grants whatever
// scopes are granted. The "state" parameter, when sent, must be at least
// 8 characters long (fosite's minimum parameter entropy).
//
// For tests, [Provider.Stats] counts token requests by grant, and
// [Provider.SetFault] makes refresh_token grants slow or failing.
//
// A minimal program:
//
//	p, err := provider.New(provider.Config{
//		Issuer:       "http://127.0.0.1:9096",
//		RedirectURIs: []string{"http://127.0.0.1:8080/auth/callback"},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(http.ListenAndServe("127.0.0.1:9096", p.Handler()))
//
// A client then uses golang.org/x/oauth2 with AuthURL
// http://127.0.0.1:9096/oauth2/auth, TokenURL
// http://127.0.0.1:9096/oauth2/token, client "demo-app" with secret
// "demo-secret", and signs in as alice with password wonderland.
//
// The package is a demo: it keeps everything in memory, hashes the client
// secret with bcrypt's minimum cost and stores user passwords in plain
// text.
package provider
