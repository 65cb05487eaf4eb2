package passport

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidChallenge(t *testing.T) {
	tests := []struct {
		name      string
		challenge string
		valid     bool
	}{
		{name: "scheme only", challenge: "Bearer", valid: true},
		{name: "realm", challenge: `Bearer realm="api"`, valid: true},
		{name: "two params", challenge: `Basic realm="x", charset="UTF-8"`, valid: true},
		{name: "token68", challenge: "Negotiate abc==", valid: true},
		{name: "token param", challenge: "Bearer error=invalid_token", valid: true},
		{name: "escaped quote", challenge: `Bearer realm="a \"b\""`, valid: true},
		{name: "spaces around equals", challenge: `Digest realm = "x" , nonce="y"`, valid: true},
		{name: "message", challenge: "missing credentials!", valid: false},
		{name: "empty", challenge: "", valid: false},
		{name: "unterminated quote", challenge: `Bearer realm="unterminated`, valid: false},
		{name: "newline", challenge: "Bearer\nrealm=\"x\"", valid: false},
		{name: "carriage return in value", challenge: "Bearer realm=\"a\r\nSet-Cookie: x=1\"", valid: false},
		{name: "NUL", challenge: "Bearer\x00", valid: false},
		{name: "DEL in quoted string", challenge: "Bearer realm=\"a\x7f\"", valid: false},
		{name: "escaped control char", challenge: "Bearer realm=\"a\\\x01\"", valid: false},
		{name: "tab after scheme", challenge: "Bearer\trealm=\"x\"", valid: false},
		{name: "trailing space", challenge: "Bearer ", valid: false},
		{name: "leading space", challenge: " Bearer", valid: false},
		{name: "token68 ending in equals", challenge: "Bearer realm=", valid: true},
		{name: "missing value", challenge: `Bearer realm=, charset="x"`, valid: false},
		{name: "garbage after value", challenge: `Bearer realm="x" junk`, valid: false},
		{name: "quoted scheme", challenge: `"Bearer"`, valid: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.valid, validChallenge(tt.challenge), "challenge %q", tt.challenge)
		})
	}
}
