package oauth2

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil, want: false},
		{name: "transient error", err: &TransientError{Status: 502}, want: true},
		{name: "wrapped transient error", err: fmt.Errorf("refresh: %w", &TransientError{}), want: true},
		{name: "in HTTP error", err: &passport.HTTPError{Status: 502, Err: &TransientError{}}, want: true},
		{name: "invalid grant", err: &TokenError{Status: 400, Code: "invalid_grant"}, want: false},
		{name: "invalid client 401", err: &TokenError{Status: 401, Code: "invalid_client"}, want: false},
		{name: "error with 200", err: &TokenError{Status: 200, Code: "invalid_grant"}, want: false},
		{name: "temporarily unavailable", err: &TokenError{Status: 503, Code: "temporarily_unavailable"}, want: true},
		{name: "rate limited", err: &TokenError{Status: 429, Code: "slow_down"}, want: true},
		{name: "deadline", err: fmt.Errorf("call: %w", context.DeadlineExceeded), want: true},
		{name: "network error", err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}, want: true},
		{name: "no refresh token", err: ErrNoRefreshToken, want: false},
		{name: "other", err: errors.New("boom"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsTransient(tt.err))
		})
	}
}

func TestTokenErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *TokenError
		want string
	}{
		{name: "code and description", err: &TokenError{Status: 400, Code: "invalid_grant", Description: "code expired"}, want: "oauth2: token request rejected: invalid_grant: code expired"},
		{name: "code only", err: &TokenError{Status: 400, Code: "invalid_grant", URI: "https://docs.example"}, want: "oauth2: token request rejected: invalid_grant"},
		{name: "no code", err: &TokenError{Status: 401}, want: "oauth2: token request rejected with status 401"},
		{name: "control characters", err: &TokenError{Status: 400, Code: "invalid_grant\n", Description: "a\x1bb"}, want: "oauth2: token request rejected: invalid_grant: ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestTransientErrorMessage(t *testing.T) {
	assert.Equal(t, "oauth2: token request failed with status 503", (&TransientError{Status: 503}).Error())
	assert.Equal(t, "oauth2: token request failed: dial tcp: refused", (&TransientError{Err: errors.New("dial tcp: refused")}).Error())

	cause := errors.New("cause")
	assert.ErrorIs(t, &TransientError{Err: cause}, cause)
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain", in: "access_denied", want: "access_denied"},
		{name: "controls", in: " a\tb\r\nc\x00 ", want: "abc"},
		{name: "format characters", in: "a\u202eb\u200bc", want: "abc"},
		{name: "invalid utf8", in: "a\xffb", want: "ab"},
		{name: "long", in: strings.Repeat("é", 150), want: strings.Repeat("é", 100) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cleanText(tt.in))
		})
	}
}
