package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	f := newFixture(t, Config{})
	verifier := oauth2.GenerateVerifier()

	code := f.code(t, verifier)
	tok, err := f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))

	require.NoError(t, err)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, "profile offline_access api", tok.Extra("scope"))
	status, body, _ := f.api(t, "/api/userinfo", "Bearer "+tok.AccessToken)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "alice", body["sub"])
}

func TestCodeFlowPagesContent(t *testing.T) {
	f := newFixture(t, Config{Issuer: "http://127.0.0.1:9096"})
	c := f.browser(t)

	login := get(t, c, f.authURL(oauth2.GenerateVerifier()))
	consent := f.login(t, c, f.authURL(oauth2.GenerateVerifier()))

	assert.Equal(t, http.StatusOK, login.status)
	assert.Contains(t, login.body, `<label for="username">Username</label>`)
	assert.Contains(t, login.body, `<label for="password">Password</label>`)
	assert.Contains(t, login.body, "demo-app")
	assert.Contains(t, login.body, "http://127.0.0.1:9096")
	assert.Contains(t, consent.body, `value="allow"`)
	assert.Contains(t, consent.body, `value="deny"`)
	for _, scope := range []string{"profile", "offline_access", "api"} {
		assert.Contains(t, consent.body, "<strong>"+scope+"</strong>")
	}
	assert.NotContains(t, consent.body, "wonderland", "the consent page must not echo the password")
}

func TestCodeFlowMissingVerifier(t *testing.T) {
	f := newFixture(t, Config{})
	verifier := oauth2.GenerateVerifier()
	code := f.code(t, verifier)

	_, err := f.conf.Exchange(f.ctx(t), code)
	re := retrieveError(t, err)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)

	// fosite drops the code's PKCE record on the failed attempt, so the
	// code cannot be redeemed afterwards even with the right verifier.
	_, err = f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))
	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
}

func TestCodeFlowWrongVerifier(t *testing.T) {
	f := newFixture(t, Config{})
	code := f.code(t, oauth2.GenerateVerifier())

	_, err := f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))

	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
}

func TestCodeFlowCodeUsedTwice(t *testing.T) {
	f := newFixture(t, Config{})
	verifier := oauth2.GenerateVerifier()
	code := f.code(t, verifier)
	first, err := f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)

	_, err = f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))

	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
	assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, first.AccessToken),
		"a reused code revokes the tokens it issued")
	_, err = f.refresh(t, first.RefreshToken)
	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
}

func TestCodeFlowDeny(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.browser(t)

	u := f.decide(t, c, f.login(t, c, f.authURL(oauth2.GenerateVerifier())), "deny")

	assert.Equal(t, "127.0.0.1:1", u.Host)
	assert.Equal(t, "access_denied", u.Query().Get("error"))
	assert.Equal(t, testState, u.Query().Get("state"))
	assert.Empty(t, u.Query().Get("code"))
}

func TestCodeFlowWrongPassword(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.browser(t)
	authURL := f.authURL(oauth2.GenerateVerifier())
	form := formValues(get(t, c, authURL).body)
	form.Set("username", "alice")
	form.Set("password", "looking-glass")
	form.Set("action", "login")

	retry := post(t, c, f.srv.URL+"/oauth2/auth", form)

	assert.Equal(t, http.StatusUnauthorized, retry.status)
	assert.Contains(t, retry.body, `role="alert">Wrong username or password.`)
	assert.Contains(t, retry.body, `value="alice"`)
	assert.NotContains(t, retry.body, "looking-glass")

	form = formValues(retry.body)
	form.Set("username", "alice")
	form.Set("password", "wonderland")
	form.Set("action", "login")
	consent := post(t, c, f.srv.URL+"/oauth2/auth", form)
	assert.Equal(t, http.StatusOK, consent.status)
	assert.Contains(t, consent.body, `value="allow"`)
}

func TestCodeFlowRejectsForgedForms(t *testing.T) {
	cases := []struct {
		name   string
		forge  func(form url.Values)
		client func(f *fixture, t *testing.T, own *http.Client) *http.Client
	}{
		{
			name:  "missing token",
			forge: func(form url.Values) { form.Del("form_token") },
		},
		{
			name:  "unknown token",
			forge: func(form url.Values) { form.Set("form_token", "forged") },
		},
		{
			name:  "changed parameters",
			forge: func(form url.Values) { form.Set("scope", "profile") },
		},
		{
			name:   "other browser",
			client: func(f *fixture, t *testing.T, _ *http.Client) *http.Client { return f.browser(t) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			c := f.browser(t)
			consent := f.login(t, c, f.authURL(oauth2.GenerateVerifier()))
			form := formValues(consent.body)
			form.Set("action", "allow")
			if tc.forge != nil {
				tc.forge(form)
			}
			sender := c
			if tc.client != nil {
				sender = tc.client(f, t, c)
			}

			resp := post(t, sender, f.srv.URL+"/oauth2/auth", form)

			assert.Equal(t, http.StatusForbidden, resp.status)
			assert.Empty(t, resp.location)
			assert.Contains(t, resp.body, "Please sign in again.")
		})
	}
}

func TestCodeFlowFormTokenSingleUse(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.browser(t)
	consent := f.login(t, c, f.authURL(oauth2.GenerateVerifier()))
	f.decide(t, c, consent, "allow")

	form := formValues(consent.body)
	form.Set("action", "allow")
	again := post(t, c, f.srv.URL+"/oauth2/auth", form)

	assert.Equal(t, http.StatusForbidden, again.status)
}

func TestCodeFlowLoginTokenCannotAllow(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.browser(t)
	form := formValues(get(t, c, f.authURL(oauth2.GenerateVerifier())).body)
	form.Set("action", "allow")

	resp := post(t, c, f.srv.URL+"/oauth2/auth", form)

	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Empty(t, resp.location)
}

func TestAuthorizeRejectsBadRequests(t *testing.T) {
	cases := []struct {
		name  string
		query func(f *fixture) string
		error string
	}{
		{
			name:  "no PKCE challenge",
			query: func(f *fixture) string { return f.conf.AuthCodeURL(testState) },
			error: "invalid_request",
		},
		{
			name: "plain PKCE",
			query: func(f *fixture) string {
				return f.conf.AuthCodeURL(testState,
					oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
					oauth2.SetAuthURLParam("code_challenge_method", "plain"))
			},
			error: "invalid_request",
		},
		{
			name: "unknown scope",
			query: func(f *fixture) string {
				f.conf.Scopes = []string{"admin"}
				return f.authURL(oauth2.GenerateVerifier())
			},
			error: "invalid_scope",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})

			resp := get(t, f.browser(t), tc.query(f))

			require.Equal(t, http.StatusSeeOther, resp.status, resp.body)
			u, err := url.Parse(resp.location)
			require.NoError(t, err)
			assert.Equal(t, tc.error, u.Query().Get("error"))
			assert.Equal(t, testState, u.Query().Get("state"))
		})
	}
}

func TestAuthorizeUnregisteredRedirect(t *testing.T) {
	f := newFixture(t, Config{})
	f.conf.RedirectURL = "http://127.0.0.1:2/elsewhere"

	resp := get(t, f.browser(t), f.authURL(oauth2.GenerateVerifier()))

	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Empty(t, resp.location, "never redirect to an unregistered URI")
	assert.Contains(t, resp.body, "invalid_request")
}

func TestAuthorizeRejectsOversizedInput(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.browser(t)

	longQuery := get(t, c, f.authURL(oauth2.GenerateVerifier())+"&pad="+strings.Repeat("x", maxQueryBytes))
	longForm := post(t, c, f.srv.URL+"/oauth2/auth", url.Values{"pad": {strings.Repeat("x", maxFormBytes)}})

	assert.Equal(t, http.StatusRequestURITooLong, longQuery.status)
	assert.Equal(t, http.StatusBadRequest, longForm.status)
}
