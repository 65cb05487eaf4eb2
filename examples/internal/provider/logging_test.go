package provider

import (
	"bytes"
	"log/slog"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// lockedBuffer lets server goroutines write logs while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogsHoldNoSecrets(t *testing.T) {
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, Config{Logger: logger})

	tok := f.passwordToken(t)
	_, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "looking-glass")
	require.Error(t, err)
	next, err := f.refresh(t, tok.RefreshToken)
	require.NoError(t, err)
	_, err = f.refresh(t, tok.RefreshToken)
	require.Error(t, err)
	f.dataStatus(t, next.AccessToken)
	c := f.browser(t)
	form := formValues(get(t, c, f.authURL(oauth2.GenerateVerifier())).body)
	form.Set("username", "alice")
	form.Set("password", "looking-glass")
	form.Set("action", "login")
	post(t, c, f.srv.URL+"/oauth2/auth", form)
	verifier := oauth2.GenerateVerifier()
	code := f.code(t, verifier)
	coded, err := f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	_, err = f.conf.Exchange(f.ctx(t), code, oauth2.VerifierOption(verifier))
	require.Error(t, err)

	out := logs.String()
	assert.Contains(t, out, "refresh token reuse detected")
	assert.Contains(t, out, "provider: login failed")
	secrets := []string{
		tok.AccessToken, tok.RefreshToken, next.AccessToken, next.RefreshToken,
		coded.AccessToken, coded.RefreshToken, code, url.QueryEscape(code), verifier,
		"wonderland", "looking-glass", "demo-secret",
	}
	for _, s := range secrets {
		assert.NotContains(t, out, s)
	}
}
