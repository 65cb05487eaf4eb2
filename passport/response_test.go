package passport_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		name        string
		accept      string
		contentType string
		want        bool
	}{
		{name: "no headers", want: false},
		{name: "json", accept: "application/json", want: true},
		{name: "json with quality", accept: "application/json;q=0.9", want: true},
		{name: "problem json", accept: "application/problem+json", want: true},
		{name: "browser", accept: "text/html,application/xhtml+xml,*/*;q=0.8", want: false},
		{name: "html first", accept: "text/html, application/json", want: false},
		{name: "json first", accept: "application/json, text/html", want: true},
		{name: "any", accept: "*/*", want: false},
		{name: "json body", contentType: "application/json; charset=utf-8", want: true},
		{name: "form body", contentType: "application/x-www-form-urlencoded", want: false},
		{name: "html accept over json body", accept: "text/html", contentType: "application/json", want: false},
		{name: "malformed accept", accept: ";;;, application/json", want: true},
		{name: "html with low quality", accept: "text/html;q=0.1, application/json", want: true},
		{name: "json with low quality", accept: "application/json;q=0.2, text/html", want: false},
		{name: "json refused", accept: "application/json;q=0", want: false},
		{name: "equal quality html first", accept: "text/html;q=0.5, application/json;q=0.5", want: false},
		{name: "invalid quality", accept: "application/json;q=abc, text/html;q=0.5", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			assert.Equal(t, tt.want, passport.WantsJSON(r))
		})
	}
}

func TestDefaultErrorHandler(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		status    int
		challenge []string
		body      string
	}{
		{
			name:   "plain error",
			err:    errors.New("db: secret dsn"),
			status: http.StatusInternalServerError,
			body:   "Internal Server Error\n",
		},
		{
			name:   "wrapped HTTPError",
			err:    fmt.Errorf("refresh: %w", &passport.HTTPError{Status: http.StatusBadGateway, Err: errors.New("secret")}),
			status: http.StatusBadGateway,
			body:   "Bad Gateway\n",
		},
		{
			name:      "AuthenticationError",
			err:       &passport.AuthenticationError{Status: http.StatusUnauthorized, Message: "token expired", Challenges: []string{`Bearer error="invalid_token"`}},
			status:    http.StatusUnauthorized,
			challenge: []string{`Bearer error="invalid_token"`},
			body:      "token expired\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			passport.DefaultErrorHandler(rec, httptest.NewRequest(http.MethodGet, "/", nil), tt.err)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.challenge, rec.Header().Values("WWW-Authenticate"))
			assert.Equal(t, tt.body, rec.Body.String())
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		})
	}
}

func TestHTTPErrorText(t *testing.T) {
	cause := errors.New("dial tcp: timeout")
	err := &passport.HTTPError{Status: http.StatusServiceUnavailable, Message: "provider unavailable", Err: cause}
	assert.Equal(t, "provider unavailable: dial tcp: timeout", err.Error())
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "Internal Server Error", (&passport.HTTPError{}).Error())
}

func TestAuthenticationErrorText(t *testing.T) {
	err := &passport.AuthenticationError{Status: http.StatusForbidden}
	assert.Equal(t, "passport: authentication failed with status 403", err.Error())
	assert.NoError(t, err.Unwrap())
}

func TestOutcomeString(t *testing.T) {
	tests := map[passport.Outcome]string{
		passport.OutcomePass:     "pass",
		passport.OutcomeSuccess:  "success",
		passport.OutcomeFail:     "fail",
		passport.OutcomeRedirect: "redirect",
		passport.OutcomeError:    "error",
		passport.Outcome(42):     "unknown",
	}
	for outcome, want := range tests {
		assert.Equal(t, want, outcome.String())
	}
}
