package provider

import "sync/atomic"

// Stats contains counts of token endpoint requests since the provider
// started. Each grant count includes the failed requests of that grant.
type Stats struct {
	// AuthorizationCodeGrants counts authorization_code grant requests and
	// AuthorizationCodeFailures those that failed.
	AuthorizationCodeGrants   int64
	AuthorizationCodeFailures int64

	// RefreshGrants counts refresh_token grant requests and
	// RefreshFailures those that failed, including requests whose
	// response a [Fault] replaced or that were abandoned during its delay.
	RefreshGrants   int64
	RefreshFailures int64

	// PasswordGrants counts password grant requests and PasswordFailures
	// those that failed.
	PasswordGrants   int64
	PasswordFailures int64

	// TokenRequests counts every request to the token endpoint, with any
	// grant_type or none.
	TokenRequests int64
}

// Stats returns the current counts. Each field is read atomically, but a
// request that finishes during the call may be counted in some fields and
// not yet in others.
func (p *Provider) Stats() Stats {
	c := &p.stats
	return Stats{
		AuthorizationCodeGrants:   c.codeGrants.Load(),
		AuthorizationCodeFailures: c.codeFailures.Load(),
		RefreshGrants:             c.refreshGrants.Load(),
		RefreshFailures:           c.refreshFailures.Load(),
		PasswordGrants:            c.passwordGrants.Load(),
		PasswordFailures:          c.passwordFailures.Load(),
		TokenRequests:             c.tokenRequests.Load(),
	}
}

type counters struct {
	codeGrants, codeFailures         atomic.Int64
	refreshGrants, refreshFailures   atomic.Int64
	passwordGrants, passwordFailures atomic.Int64
	tokenRequests                    atomic.Int64
}

// countGrant counts one token request with the given grant_type.
func (c *counters) countGrant(grantType string) {
	c.tokenRequests.Add(1)
	if total, _ := c.byGrant(grantType); total != nil {
		total.Add(1)
	}
}

// countFailure counts one failed request with the given grant_type.
func (c *counters) countFailure(grantType string) {
	if _, failures := c.byGrant(grantType); failures != nil {
		failures.Add(1)
	}
}

func (c *counters) byGrant(grantType string) (total, failures *atomic.Int64) {
	switch grantType {
	case grantAuthorizationCode:
		return &c.codeGrants, &c.codeFailures
	case grantRefreshToken:
		return &c.refreshGrants, &c.refreshFailures
	case grantPassword:
		return &c.passwordGrants, &c.passwordFailures
	}
	return nil, nil
}

// Grant types as sent in the grant_type parameter (RFC 6749).
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantPassword          = "password"
)
