package provider

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t, Config{})
	first := f.passwordToken(t)

	second, err := f.refresh(t, first.RefreshToken)
	require.NoError(t, err)
	third, err := f.refresh(t, second.RefreshToken)
	require.NoError(t, err)

	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	assert.NotEqual(t, second.RefreshToken, third.RefreshToken)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	assert.Equal(t, "profile offline_access api", third.Extra("scope"))
	assert.Equal(t, http.StatusOK, f.dataStatus(t, third.AccessToken))
}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	f := newFixture(t, Config{})
	first := f.passwordToken(t)
	second, err := f.refresh(t, first.RefreshToken)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, f.dataStatus(t, second.AccessToken))

	_, err = f.refresh(t, first.RefreshToken)
	re := retrieveError(t, err)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)

	_, err = f.refresh(t, second.RefreshToken)
	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode, "the newest refresh token is revoked too")
	assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, second.AccessToken))
	assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, first.AccessToken))
}

func TestRefreshReuseSparesOtherFamilies(t *testing.T) {
	f := newFixture(t, Config{})
	victim := f.passwordToken(t)
	other := f.passwordToken(t)
	_, err := f.refresh(t, victim.RefreshToken)
	require.NoError(t, err)

	_, err = f.refresh(t, victim.RefreshToken)
	require.Error(t, err)

	assert.Equal(t, http.StatusOK, f.dataStatus(t, other.AccessToken))
	_, err = f.refresh(t, other.RefreshToken)
	assert.NoError(t, err)
}

func TestRefreshConcurrentReuse(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	const n = 8

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []*oauth2.Token
		codes   []string
	)
	for range n {
		wg.Go(func() {
			next, err := f.refresh(t, tok.RefreshToken)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes = append(codes, retrieveError(t, err).ErrorCode)
				return
			}
			winners = append(winners, next)
		})
	}
	wg.Wait()

	require.Len(t, winners, 1, "exactly one concurrent refresh may succeed")
	assert.Equal(t, []string{"invalid_grant"}, uniq(codes))
	_, err := f.refresh(t, winners[0].RefreshToken)
	assert.Error(t, err, "the reuse revoked the winner's refresh token")
	assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, winners[0].AccessToken))
}

func TestRefreshOldAccessToken(t *testing.T) {
	cases := []struct {
		name   string
		revoke bool
		status int
	}{
		{name: "kept by default", revoke: false, status: http.StatusOK},
		{name: "revoked on request", revoke: true, status: http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{RevokeAccessTokenOnRefresh: tc.revoke})
			first := f.passwordToken(t)

			second, err := f.refresh(t, first.RefreshToken)
			require.NoError(t, err)

			assert.Equal(t, tc.status, f.dataStatus(t, first.AccessToken))
			assert.Equal(t, http.StatusOK, f.dataStatus(t, second.AccessToken))
		})
	}
}

func TestRefreshUnknownToken(t *testing.T) {
	f := newFixture(t, Config{})

	_, err := f.refresh(t, "ory_rt_not-a-token")

	assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
}

func TestRevokeRevokesFamily(t *testing.T) {
	cases := []struct {
		name  string
		token func(*oauth2.Token) string
	}{
		{name: "refresh token", token: func(tok *oauth2.Token) string { return tok.RefreshToken }},
		{name: "access token", token: func(tok *oauth2.Token) string { return tok.AccessToken }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			tok := f.passwordToken(t)

			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/oauth2/revoke",
				strings.NewReader(url.Values{"token": {tc.token(tok)}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("demo-app", "demo-secret")
			resp, err := f.srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()

			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, tok.AccessToken))
			_, err = f.refresh(t, tok.RefreshToken)
			assert.Equal(t, "invalid_grant", retrieveError(t, err).ErrorCode)
		})
	}
}

func uniq(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
