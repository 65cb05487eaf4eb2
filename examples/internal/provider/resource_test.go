package provider

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDataValidToken(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)

	status, body, header := f.api(t, "/api/data", "Bearer "+tok.AccessToken)

	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "application/json", header.Get("Content-Type"))
	assert.Equal(t, "alice", body["user"])
	assert.Equal(t, "profile offline_access api", body["scope"])
	_, err := time.Parse(time.RFC3339, body["time"])
	assert.NoError(t, err)
}

func TestDataRejectsRequests(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	cases := []struct {
		name, authorization, error string
	}{
		{name: "no header", authorization: "", error: "invalid_request"},
		{name: "garbage token", authorization: "Bearer garbage", error: "invalid_token"},
		{name: "forged token", authorization: "Bearer ory_at_AAAA.BBBB", error: "invalid_token"},
		{name: "refresh token", authorization: "Bearer " + tok.RefreshToken, error: "invalid_token"},
		{name: "basic scheme", authorization: "Basic " + tok.AccessToken, error: "invalid_request"},
		{name: "empty bearer", authorization: "Bearer ", error: "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, header := f.api(t, "/api/data", tc.authorization)

			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, tc.error, body["error"])
			assert.Contains(t, header.Get("WWW-Authenticate"), "Bearer")
		})
	}
}

func TestDataBearerSchemeCaseInsensitive(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)

	status, _, _ := f.api(t, "/api/data", "bearer "+tok.AccessToken)

	assert.Equal(t, http.StatusOK, status)
}

func TestDataExpiredToken(t *testing.T) {
	f := newFixture(t, Config{AccessTokenLifespan: time.Second})
	tok := f.passwordToken(t)
	require.Equal(t, http.StatusOK, f.dataStatus(t, tok.AccessToken))

	time.Sleep(1500 * time.Millisecond)

	assert.Equal(t, http.StatusUnauthorized, f.dataStatus(t, tok.AccessToken))
	next, err := f.refresh(t, tok.RefreshToken)
	require.NoError(t, err, "the refresh token outlives the access token")
	assert.Equal(t, http.StatusOK, f.dataStatus(t, next.AccessToken))
}

func TestUserinfo(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)

	status, body, _ := f.api(t, "/api/userinfo", "Bearer "+tok.AccessToken)
	bad, _, _ := f.api(t, "/api/userinfo", "Bearer garbage")

	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]string{"sub": "alice"}, body)
	assert.Equal(t, http.StatusUnauthorized, bad)
}

func TestHealthz(t *testing.T) {
	f := newFixture(t, Config{})

	status, body, _ := f.api(t, "/healthz", "")

	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", body["status"])
}
