package provider

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ory/fosite"
)

// requireToken wraps a resource handler. It admits only requests with a
// valid, unexpired, unrevoked access token in an "Authorization: Bearer"
// header, validated by fosite's token introspection. It rejects anything
// else with 401 and an RFC 6750 error in JSON and WWW-Authenticate.
func (p *Provider) requireToken(next func(http.ResponseWriter, *http.Request, fosite.AccessRequester)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="provider"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error":             "invalid_request",
				"error_description": "missing bearer access token",
			})
			return
		}
		ar, err := p.introspect(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="provider", error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error":             "invalid_token",
				"error_description": "access token is invalid, expired or revoked",
			})
			return
		}
		next(w, r, ar)
	}
}

// introspect validates an access token. fosite's introspection falls back
// to refresh tokens when the token is no access token, so it rejects a
// refresh token presented as a bearer token explicitly.
func (p *Provider) introspect(ctx context.Context, token string) (fosite.AccessRequester, error) {
	use, ar, err := p.oauth.IntrospectToken(ctx, token, fosite.AccessToken, &fosite.DefaultSession{})
	if err != nil {
		p.logger.LogAttrs(ctx, slog.LevelDebug, "provider: access token rejected",
			slog.String("error", fosite.ErrorToRFC6749Error(err).ErrorField))
		return nil, err
	}
	if use != fosite.AccessToken {
		return nil, fosite.ErrRequestUnauthorized.WithHint("The token is not an access token.")
	}
	return ar, nil
}

// bearerToken returns the token of an "Authorization: Bearer" header. The
// scheme is case-insensitive (RFC 7235).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// data serves GET /api/data.
func (p *Provider) data(w http.ResponseWriter, _ *http.Request, ar fosite.AccessRequester) {
	writeJSON(w, http.StatusOK, map[string]string{
		"user":  ar.GetSession().GetSubject(),
		"scope": strings.Join(ar.GetGrantedScopes(), " "),
		"time":  time.Now().UTC().Format(time.RFC3339),
	})
}

// userinfo serves GET /api/userinfo.
func (p *Provider) userinfo(w http.ResponseWriter, _ *http.Request, ar fosite.AccessRequester) {
	writeJSON(w, http.StatusOK, map[string]string{"sub": ar.GetSession().GetSubject()})
}

// healthz serves GET /healthz.
func (p *Provider) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
