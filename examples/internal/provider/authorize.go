package provider

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ory/fosite"
)

const authorizePath = "/oauth2/auth"

// Limits on what the authorization endpoint reads.
const (
	maxQueryBytes = 8 << 10  // query string of the GET request
	maxFormBytes  = 16 << 10 // body of a login or consent POST
	maxFieldBytes = 256      // username or password
)

// Form fields that the login and consent pages add. They are removed
// before the authorization parameters reach fosite.
const (
	fieldToken    = "form_token"
	fieldAction   = "action"
	fieldUsername = "username"
	fieldPassword = "password"
)

// Values of fieldAction, one per submit button.
const (
	actionLogin = "login"
	actionAllow = "allow"
	actionDeny  = "deny"
)

// authorizeGet serves GET /oauth2/auth: it validates the authorization
// request and shows the login page.
func (p *Provider) authorizeGet(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > maxQueryBytes {
		p.logger.LogAttrs(r.Context(), slog.LevelInfo, "provider: authorization request rejected",
			slog.String("error", "query too large"), slog.Int("bytes", len(r.URL.RawQuery)))
		writeJSON(w, http.StatusRequestURITooLong, map[string]string{
			"error":             "invalid_request",
			"error_description": "authorization request is too large",
		})
		return
	}
	params := authorizationParams(r.URL.Query())
	ar, err := p.parseAuthorize(r, params)
	if err != nil {
		p.rejectAuthorize(w, r, ar, err)
		return
	}
	p.showLogin(w, r, http.StatusOK, loginPage{
		pageContext: p.pageContext(ar, params, ensureBinding(w, r)),
	})
}

// authorizePost serves POST /oauth2/auth, sent by the login page
// (action "login") and the consent page (actions "allow" and "deny").
func (p *Provider) authorizePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.logger.LogAttrs(r.Context(), slog.LevelInfo, "provider: login form rejected", slog.Any("error", err))
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error":             "invalid_request",
			"error_description": "form body is invalid or too large",
		})
		return
	}
	params := authorizationParams(r.PostForm)
	ar, err := p.parseAuthorize(r, params)
	if err != nil {
		p.rejectAuthorize(w, r, ar, err)
		return
	}

	binding := browserBinding(r)
	entry, ok := p.forms.take(r.PostForm.Get(fieldToken))
	if !ok || !entry.matches(binding, params) {
		p.logger.LogAttrs(r.Context(), slog.LevelInfo, "provider: login form rejected",
			slog.String("error", "form token invalid, expired or issued to another browser"),
			slog.String("client_id", clientID(ar)))
		p.showLogin(w, r, http.StatusForbidden, loginPage{
			pageContext: p.pageContext(ar, params, ensureBinding(w, r)),
			Error:       "This form has expired or was opened in another browser. Please sign in again.",
		})
		return
	}
	p.dispatch(w, r, ar, params, entry)
}

// dispatch runs the action of a POST whose form token was valid.
func (p *Provider) dispatch(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, params url.Values, entry formEntry) {
	action := r.PostForm.Get(fieldAction)
	switch {
	case action == actionLogin && entry.username == "":
		p.login(w, r, ar, params, entry.binding)
	case action == actionAllow && entry.username != "":
		p.allow(w, r, ar, entry.username)
	case action == actionDeny && entry.username != "":
		p.deny(w, r, ar, entry.username)
	default:
		p.logger.LogAttrs(r.Context(), slog.LevelInfo, "provider: login form rejected",
			slog.String("error", "action does not match the form"), slog.String("action", truncate(action, 16)))
		p.showLogin(w, r, http.StatusBadRequest, loginPage{
			pageContext: p.pageContext(ar, params, entry.binding),
			Error:       "The form was incomplete. Please sign in again.",
		})
	}
}

// login checks the submitted credentials and shows the consent page, or
// the login page again with 401.
func (p *Provider) login(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, params url.Values, binding string) {
	ctx := r.Context()
	username := r.PostForm.Get(fieldUsername)
	password := r.PostForm.Get(fieldPassword)
	if !p.checkPassword(ctx, username, password) {
		p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: login failed",
			slog.String("client_id", clientID(ar)), slog.String("username", truncate(username, maxFieldBytes)))
		p.showLogin(w, r, http.StatusUnauthorized, loginPage{
			pageContext: p.pageContext(ar, params, binding),
			Username:    truncate(username, maxFieldBytes),
			Error:       "Wrong username or password.",
		})
		return
	}
	p.showConsent(w, r, consentPage{
		pageContext: p.pageContext(ar, params, binding),
		Username:    username,
		Scopes:      describeScopes(ar.GetRequestedScopes()),
	})
}

func (p *Provider) checkPassword(ctx context.Context, username, password string) bool {
	if username == "" || len(username) > maxFieldBytes || len(password) > maxFieldBytes {
		return false
	}
	_, err := p.store.Authenticate(ctx, username, password)
	return err == nil
}

// allow grants every requested scope and redirects to the client with an
// authorization code issued by fosite.
func (p *Provider) allow(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, username string) {
	ctx := r.Context()
	for _, scope := range ar.GetRequestedScopes() {
		ar.GrantScope(scope)
	}
	for _, audience := range ar.GetRequestedAudience() {
		ar.GrantAudience(audience)
	}
	session := &fosite.DefaultSession{Subject: username, Username: username}
	resp, err := p.oauth.NewAuthorizeResponse(ctx, ar, session)
	if err != nil {
		p.rejectAuthorize(w, r, ar, err)
		return
	}
	p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: consent granted",
		slog.String("client_id", clientID(ar)), slog.String("username", username))
	p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// deny redirects to the client with error access_denied.
func (p *Provider) deny(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, username string) {
	ctx := r.Context()
	p.logger.LogAttrs(ctx, slog.LevelInfo, "provider: consent denied",
		slog.String("client_id", clientID(ar)), slog.String("username", username))
	p.oauth.WriteAuthorizeError(ctx, w, ar,
		fosite.ErrAccessDenied.WithHint("The resource owner denied the request."))
}

// rejectAuthorize logs err and lets fosite send it: to the client's
// redirect URI if that was valid, else as JSON.
func (p *Provider) rejectAuthorize(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	rfcErr := fosite.ErrorToRFC6749Error(err)
	p.logger.LogAttrs(r.Context(), slog.LevelInfo, "provider: authorization request rejected",
		slog.String("client_id", clientID(ar)),
		slog.String("error", rfcErr.ErrorField),
		slog.String("hint", rfcErr.HintField))
	p.oauth.WriteAuthorizeError(r.Context(), w, ar, err)
}

// parseAuthorize validates the authorization parameters with fosite, as
// a GET request that carries only params, so that form fields such as
// the password never enter fosite's request. It also requires an S256
// PKCE challenge now, which fosite would check only when issuing the
// code, after the user had signed in.
func (p *Provider) parseAuthorize(r *http.Request, params url.Values) (fosite.AuthorizeRequester, error) {
	req := r.Clone(r.Context())
	req.Method = http.MethodGet
	req.URL.RawQuery = params.Encode()
	req.Body, req.ContentLength = http.NoBody, 0
	req.Header.Del("Content-Type")
	req.Form, req.PostForm, req.MultipartForm = nil, nil, nil

	ar, err := p.oauth.NewAuthorizeRequest(r.Context(), req)
	if err != nil {
		return ar, err
	}
	return ar, checkPKCEChallenge(params)
}

func checkPKCEChallenge(params url.Values) error {
	if params.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("Clients must include a code_challenge (PKCE).")
	}
	if params.Get("code_challenge_method") != "S256" {
		return fosite.ErrInvalidRequest.WithHint("Clients must use code_challenge_method=S256.")
	}
	return nil
}

// authorizationParams returns form without the fields the pages add.
func authorizationParams(form url.Values) url.Values {
	params := url.Values{}
	for key, values := range form {
		switch key {
		case fieldToken, fieldAction, fieldUsername, fieldPassword:
			continue
		}
		params[key] = values
	}
	return params
}

// truncate cuts s to at most n bytes of valid UTF-8, for echoing user
// input.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
