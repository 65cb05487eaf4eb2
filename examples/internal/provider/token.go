package provider

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/ory/fosite"
)

// maxTokenRequestBytes bounds the body of token and revocation requests.
const maxTokenRequestBytes = 16 << 10

// token serves POST /oauth2/token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		p.stats.countGrant("")
		p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: token request rejected", slog.Any("error", err))
		p.oauth.WriteAccessError(ctx, w, fosite.NewAccessRequest(nil),
			fosite.ErrInvalidRequest.WithHint("The request body is not a valid form or is too large."))
		return
	}
	grantType := r.PostForm.Get("grant_type")
	p.stats.countGrant(grantType)

	if grantType == grantRefreshToken && p.injectFault(w, r) {
		p.stats.countFailure(grantType)
		return
	}
	ar, resp, err := p.issue(ctx, r)
	if err != nil {
		p.stats.countFailure(grantType)
		p.logTokenError(ctx, grantType, ar, err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: token issued",
		slog.String("grant_type", grantType),
		slog.String("client_id", ar.GetClient().GetID()),
		slog.String("subject", ar.GetSession().GetSubject()))
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// issue runs one token request through fosite, holding tokenMu.
func (p *Provider) issue(ctx context.Context, r *http.Request) (fosite.AccessRequester, fosite.AccessResponder, error) {
	p.tokenMu.Lock()
	defer p.tokenMu.Unlock()

	ar, err := p.oauth.NewAccessRequest(ctx, r, &fosite.DefaultSession{})
	if err != nil {
		return ar, nil, err
	}
	if ar.GetGrantTypes().ExactOne(grantPassword) {
		// fosite checks the requested scopes against the client's but
		// leaves granting them to the caller.
		for _, scope := range ar.GetRequestedScopes() {
			ar.GrantScope(scope)
		}
	}
	expiry := p.setAccessTokenExpiry(ar)

	resp, err := p.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		return ar, nil, err
	}
	resp.SetExpiresIn(ceilSeconds(time.Until(expiry)))
	return ar, resp, nil
}

// setAccessTokenExpiry replaces the expiry that fosite's grant handlers
// set, which v0.49.0 rounds to the nearest second, by the exact one. fosite
// also truncates expires_in to whole seconds, so a 1 s token could get
// expires_in 0, which golang.org/x/oauth2 reads as "no expiry". With the
// exact expiry and [ceilSeconds], expires_in is the configured lifespan.
func (p *Provider) setAccessTokenExpiry(ar fosite.AccessRequester) time.Time {
	expiry := time.Now().UTC().Add(p.cfg.AccessTokenLifespan)
	ar.GetSession().SetExpiresAt(fosite.AccessToken, expiry)
	return expiry
}

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) time.Duration {
	if rem := d % time.Second; rem > 0 {
		d += time.Second - rem
	}
	return d
}

func (p *Provider) logTokenError(ctx context.Context, grantType string, ar fosite.AccessRequester, err error) {
	rfcErr := fosite.ErrorToRFC6749Error(err)
	level := slog.LevelInfo
	msg := "provider: token request failed"
	if errors.Is(err, fosite.ErrInactiveToken) {
		level, msg = slog.LevelWarn, "provider: refresh token reuse detected, token family revoked"
	}
	if rfcErr.CodeField >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	p.logger.LogAttrs(ctx, level, msg,
		slog.String("grant_type", grantType),
		slog.String("client_id", clientID(ar)),
		slog.String("error", rfcErr.ErrorField),
		slog.String("hint", rfcErr.HintField),
		slog.Int("status", rfcErr.CodeField))
}

// revoke serves POST /oauth2/revoke (RFC 7009). Revoking either token of
// a grant revokes every access and refresh token of its family.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)

	p.tokenMu.Lock()
	err := p.oauth.NewRevocationRequest(ctx, r)
	p.tokenMu.Unlock()

	if err != nil {
		rfcErr := fosite.ErrorToRFC6749Error(err)
		p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: revocation failed",
			slog.String("error", rfcErr.ErrorField), slog.Int("status", rfcErr.CodeField))
	}
	p.oauth.WriteRevocationResponse(ctx, w, err)
}

func clientID(ar fosite.Requester) string {
	if ar == nil || ar.GetClient() == nil {
		return ""
	}
	return ar.GetClient().GetID()
}
