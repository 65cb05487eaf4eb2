package provider

import (
	"context"
	"fmt"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
)

// bcryptCost is bcrypt's minimum cost. fosite compares client secrets with
// bcrypt hashes, at cost 12 by default. The minimum keeps each token
// request fast, which suits a demo server and load tests but not production.
const bcryptCost = 4

// newFosite composes the fosite handlers over st and registers the one
// confidential client.
func newFosite(cfg Config, st *store) (fosite.OAuth2Provider, error) {
	fc := fositeConfig(cfg)
	client, err := newClient(cfg, fc)
	if err != nil {
		return nil, err
	}
	st.addClient(client)

	return compose.Compose(fc, st, compose.NewOAuth2HMACStrategy(fc),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2ResourceOwnerPasswordCredentialsFactory, //nolint:staticcheck // deprecated by fosite, but the demo serves the password grant
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory, // must follow the authorize code handler
	), nil
}

func fositeConfig(cfg Config) *fosite.Config {
	return &fosite.Config{
		AccessTokenLifespan:  cfg.AccessTokenLifespan,
		RefreshTokenLifespan: cfg.RefreshTokenLifespan,
		GlobalSecret:         cfg.Secret,
		HashCost:             bcryptCost,
		ScopeStrategy:        fosite.ExactScopeStrategy,
		// PKCE with S256 for every client, confidential ones included.
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		// An empty, non-nil list issues refresh tokens whatever scopes are
		// granted. nil would mean fosite's default {"offline", "offline_access"}.
		RefreshTokenScopes: []string{},
		TokenURL:           cfg.Issuer + "/oauth2/token",
		AccessTokenIssuer:  cfg.Issuer,
	}
}

// newClient builds the confidential client. fosite.DefaultClient does not
// declare a token_endpoint_auth_method, so fosite accepts both
// client_secret_basic and client_secret_post for it.
func newClient(cfg Config, fc *fosite.Config) (*fosite.DefaultClient, error) {
	hash, err := fc.GetSecretsHasher(context.Background()).Hash(context.Background(), []byte(cfg.ClientSecret))
	if err != nil {
		return nil, fmt.Errorf("provider: cannot hash client secret: %w", err)
	}
	return &fosite.DefaultClient{
		ID:            cfg.ClientID,
		Secret:        hash,
		RedirectURIs:  cfg.RedirectURIs,
		GrantTypes:    []string{grantAuthorizationCode, grantRefreshToken, grantPassword},
		ResponseTypes: []string{"code"},
		Scopes:        cfg.Scopes,
	}, nil
}
