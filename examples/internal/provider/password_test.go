package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestPasswordGrantIssuesTokens(t *testing.T) {
	f := newFixture(t, Config{})

	tok := f.passwordToken(t)

	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, "bearer", strings.ToLower(tok.TokenType))
	assert.WithinDuration(t, time.Now().Add(time.Minute), tok.Expiry, 2*time.Second)
	assert.Equal(t, "profile offline_access api", tok.Extra("scope"))
	assert.Equal(t, http.StatusOK, f.dataStatus(t, tok.AccessToken))
}

func TestPasswordGrantRejectsCredentials(t *testing.T) {
	cases := []struct {
		name, username, password string
	}{
		{name: "wrong password", username: "alice", password: "looking-glass"},
		{name: "unknown user", username: "mallory", password: "wonderland"},
		{name: "password case", username: "alice", password: "Wonderland"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})

			_, err := f.conf.PasswordCredentialsToken(f.ctx(t), tc.username, tc.password)

			re := retrieveError(t, err)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
			assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
		})
	}
}

func TestPasswordGrantClientAuthStyles(t *testing.T) {
	cases := []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{name: "client_secret_basic", style: oauth2.AuthStyleInHeader},
		{name: "client_secret_post", style: oauth2.AuthStyleInParams},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			f.conf.Endpoint.AuthStyle = tc.style

			tok, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "wonderland")

			require.NoError(t, err)
			assert.NotEmpty(t, tok.RefreshToken)
		})
	}
}

func TestPasswordGrantWrongClientSecret(t *testing.T) {
	f := newFixture(t, Config{})
	f.conf.ClientSecret = "not-the-secret"

	_, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "wonderland")

	re := retrieveError(t, err)
	assert.Equal(t, "invalid_client", re.ErrorCode)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
}

func TestPasswordGrantCustomConfig(t *testing.T) {
	f := newFixture(t, Config{
		ClientID:     "other-app",
		ClientSecret: "other-secret",
		Users:        map[string]string{"bob": "builder"},
		Scopes:       []string{"read"},
	})
	f.conf.ClientID, f.conf.ClientSecret = "other-app", "other-secret"
	f.conf.Scopes = []string{"read"}

	tok, err := f.conf.PasswordCredentialsToken(f.ctx(t), "bob", "builder")
	require.NoError(t, err)
	assert.NotEmpty(t, tok.RefreshToken, "refresh tokens do not depend on offline scopes")

	f.conf.Scopes = []string{"write"}
	_, err = f.conf.PasswordCredentialsToken(f.ctx(t), "bob", "builder")
	assert.Equal(t, "invalid_scope", retrieveError(t, err).ErrorCode)
}

func TestTokenExpiresInMatchesLifespan(t *testing.T) {
	f := newFixture(t, Config{AccessTokenLifespan: 2 * time.Second})
	form := url.Values{
		"grant_type": {"password"},
		"username":   {"alice"},
		"password":   {"wonderland"},
	}

	// fosite alone rounds the expiry to the nearest second and truncates
	// expires_in, which gives 1 or 2 here depending on the fraction of the
	// current second, so the requests are spread over one second.
	for range 10 {
		time.Sleep(100 * time.Millisecond)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.conf.Endpoint.TokenURL, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo-app", "demo-secret")
		resp, err := f.srv.Client().Do(req)
		require.NoError(t, err)
		var body struct {
			ExpiresIn int `json:"expires_in"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 2, body.ExpiresIn)
	}
}

func TestNewRejectsShortSecret(t *testing.T) {
	_, err := New(Config{Secret: []byte("too short")})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "provider: invalid secret")
}
