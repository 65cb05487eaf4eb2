package provider

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestFaultStatus(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	f.p.SetFault(Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1"})

	_, err := f.refresh(t, tok.RefreshToken)
	re := retrieveError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, re.Response.StatusCode)
	assert.Equal(t, "1", re.Response.Header.Get("Retry-After"))
	assert.Equal(t, "temporarily_unavailable", re.ErrorCode)

	f.p.SetFault(Fault{})
	_, err = f.refresh(t, tok.RefreshToken)
	assert.NoError(t, err, "a faulted request leaves the refresh token valid")
}

func TestFaultBody(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	f.p.SetFault(Fault{Body: "not json"})

	_, err := f.refresh(t, tok.RefreshToken)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "oauth2: cannot parse json")
}

func TestFaultSparesOtherGrants(t *testing.T) {
	f := newFixture(t, Config{})
	f.p.SetFault(Fault{Status: http.StatusInternalServerError})

	tok := f.passwordToken(t)

	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, Stats{PasswordGrants: 1, TokenRequests: 1}, f.p.Stats())
}

func TestFaultDelay(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	f.p.SetFault(Fault{Delay: 300 * time.Millisecond})

	start := time.Now()
	next, err := f.refresh(t, tok.RefreshToken)

	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	assert.NotEqual(t, tok.RefreshToken, next.RefreshToken)
}

func TestFaultDelayAbandoned(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.passwordToken(t)
	f.p.SetFault(Fault{Delay: 5 * time.Second})

	ctx, cancel := context.WithTimeout(f.ctx(t), 100*time.Millisecond)
	defer cancel()
	expired := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
	_, err := f.conf.TokenSource(ctx, expired).Token()
	require.Error(t, err)

	require.Eventually(t, func() bool { return f.p.Stats().RefreshFailures == 1 },
		2*time.Second, 10*time.Millisecond, "the abandoned request is counted as failed")
	f.p.SetFault(Fault{})
	_, err = f.refresh(t, tok.RefreshToken)
	assert.NoError(t, err, "an abandoned request leaves the refresh token valid")
}

func TestStatsCounts(t *testing.T) {
	f := newFixture(t, Config{})
	verifier := oauth2.GenerateVerifier()
	tok := f.passwordToken(t)
	_, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "wrong")
	require.Error(t, err)
	next, err := f.refresh(t, tok.RefreshToken)
	require.NoError(t, err)
	_, err = f.refresh(t, tok.RefreshToken)
	require.Error(t, err)
	f.p.SetFault(Fault{Status: http.StatusBadGateway})
	_, err = f.refresh(t, next.RefreshToken)
	require.Error(t, err)
	f.p.SetFault(Fault{})
	_, err = f.conf.Exchange(f.ctx(t), f.code(t, verifier), oauth2.VerifierOption(verifier))
	require.NoError(t, err)

	assert.Equal(t, Stats{
		AuthorizationCodeGrants: 1,
		RefreshGrants:           3,
		RefreshFailures:         2,
		PasswordGrants:          2,
		PasswordFailures:        1,
		TokenRequests:           6,
	}, f.p.Stats())
}

func TestStatsConcurrent(t *testing.T) {
	f := newFixture(t, Config{})
	const n = 20

	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "wonderland")
			errs <- err
		}()
	}
	for range n {
		assert.NoError(t, <-errs)
	}

	assert.Equal(t, Stats{PasswordGrants: n, TokenRequests: n}, f.p.Stats())
}
