package passport_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestOutcomeSuccess(t *testing.T) {
	f := newFixture(t)
	info := &passport.Info{Message: "welcome back", Type: "success"}
	f.use("ok", passport.Success(&user{ID: "alice"}, info))
	var gotInfo *passport.Info
	f.mux.Handle("/login", f.auth.Authenticate("ok")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			gotInfo = passport.InfoFrom(r)
			whoami(w, r)
		})))
	f.protect("/me", f.auth.Authenticate("session"))

	resp := f.get("/login")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=alice auth=true", resp.body)
	assert.Equal(t, info, gotInfo)
	require.NotNil(t, f.sessionCookie(resp), "login must set the session cookie")

	values, found := f.stored(f.token())
	require.True(t, found)
	assert.Equal(t, "alice", values[passport.SessionUserKey])

	resp = f.get("/me")
	assert.Equal(t, "user=alice auth=true", resp.body)
}

func TestOutcomeSuccessWithoutUser(t *testing.T) {
	f := newFixture(t)
	f.use("nouser", passport.Success(nil, nil))
	f.protect("/", f.auth.Authenticate("nouser"))

	resp := f.get("/")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.NotContains(t, resp.body, "user=")
}

func TestOutcomeFail(t *testing.T) {
	tests := []struct {
		name      string
		result    passport.Result
		status    int
		challenge []string
		body      string
	}{
		{
			name:      "challenge",
			result:    passport.Fail(`Bearer realm="api"`, 0),
			status:    http.StatusUnauthorized,
			challenge: []string{`Bearer realm="api"`},
			body:      "Unauthorized\n",
		},
		{
			name:   "invalid challenge",
			result: passport.Fail("missing credentials!", 0),
			status: http.StatusUnauthorized,
			body:   "Unauthorized\n",
		},
		{
			name:   "message only",
			result: passport.FailWithInfo(&passport.Info{Message: "invalid API key"}, 0),
			status: http.StatusUnauthorized,
			body:   "invalid API key\n",
		},
		{
			name:   "challenge with 403",
			result: passport.Fail(`Bearer error="insufficient_scope"`, http.StatusForbidden),
			status: http.StatusForbidden,
			body:   "Forbidden\n",
		},
		{
			name:   "status 400",
			result: passport.FailWithInfo(&passport.Info{Message: "malformed header"}, http.StatusBadRequest),
			status: http.StatusBadRequest,
			body:   "malformed header\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("s", tt.result)
			f.protect("/", f.auth.Authenticate("s"))

			resp := f.get("/")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.challenge, resp.Header.Values("WWW-Authenticate"))
			assert.Equal(t, tt.body, resp.body)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Nil(t, f.sessionCookie(resp))
		})
	}
}

func TestOutcomeRedirect(t *testing.T) {
	tests := []struct {
		name   string
		method string
		status int
		want   int
	}{
		{name: "default on GET", method: http.MethodGet, want: http.StatusFound},
		{name: "default on POST", method: http.MethodPost, want: http.StatusSeeOther},
		{name: "explicit status", method: http.MethodGet, status: http.StatusTemporaryRedirect, want: http.StatusTemporaryRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("s", passport.Redirect("https://provider.test/authorize?state=abc", tt.status))
			f.protect("/", f.auth.Authenticate("s"))

			resp := f.do(tt.method, "/")
			assert.Equal(t, tt.want, resp.StatusCode)
			assert.Equal(t, "https://provider.test/authorize?state=abc", resp.Header.Get("Location"))
			assert.Empty(t, resp.body)
		})
	}
}

func TestOutcomePass(t *testing.T) {
	f := newFixture(t)
	s := f.use("s", passport.Pass())
	f.protect("/", f.auth.Authenticate("s"))

	resp := f.get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=- auth=false", resp.body)
	assert.Equal(t, int32(1), s.calls.Load())
	assert.Nil(t, f.sessionCookie(resp))
}

func TestOutcomeError(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.auth.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.use("s", passport.Error(errors.New("db: password=hunter2 connection refused")))
	f.protect("/", f.auth.Authenticate("s"))

	resp := f.get("/")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, "Internal Server Error\n", resp.body)
	assert.NotContains(t, resp.body, "hunter2")
	assert.Contains(t, logs.String(), "connection refused")
	assert.Contains(t, logs.String(), "path=/")
}

func TestOutcomeHTTPError(t *testing.T) {
	f := newFixture(t)
	f.use("s", passport.Error(&passport.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Code:    "temporarily_unavailable",
		Message: "try again shortly",
		Header:  http.Header{"Retry-After": {"30"}},
		Err:     errors.New("token endpoint: secret cause"),
	}))
	f.protect("/", f.auth.Authenticate("s"))

	resp := f.get("/", "Accept", "application/json")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "30", resp.Header.Get("Retry-After"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"error":"temporarily_unavailable","message":"try again shortly"}`, resp.body)
	assert.NotContains(t, resp.body, "secret cause")
}

func TestOutcomeHTTPErrorDefaults(t *testing.T) {
	f := newFixture(t)
	f.use("s", passport.Error(&passport.HTTPError{Err: errors.New("hidden")}))
	f.protect("/", f.auth.Authenticate("s"))

	resp := f.get("/", "Accept", "application/json")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.JSONEq(t, `{"error":"internal_server_error","message":"Internal Server Error"}`, resp.body)
}

func TestOutcomeJSON(t *testing.T) {
	tests := []struct {
		name   string
		result passport.Result
		opts   []passport.Option
		accept string
		status int
		body   string
	}{
		{
			name:   "fail with Accept",
			result: passport.FailWithInfo(&passport.Info{Message: "invalid API key"}, 0),
			accept: "application/json",
			status: http.StatusUnauthorized,
			body:   `{"error":"unauthorized","message":"invalid API key"}`,
		},
		{
			name:   "fail with RespondJSON",
			result: passport.Fail(`Bearer realm="api"`, 0),
			opts:   []passport.Option{passport.RespondJSON()},
			accept: "text/html",
			status: http.StatusUnauthorized,
			body:   `{"error":"unauthorized","message":"Unauthorized"}`,
		},
		{
			name:   "fail 403 with Accept",
			result: passport.Fail("", http.StatusForbidden),
			accept: "application/problem+json",
			status: http.StatusForbidden,
			body:   `{"error":"forbidden","message":"Forbidden"}`,
		},
		{
			name:   "error with Accept",
			result: passport.Error(errors.New("hidden cause")),
			accept: "application/json",
			status: http.StatusInternalServerError,
			body:   `{"error":"internal_server_error","message":"Internal Server Error"}`,
		},
		{
			name:   "error with RespondJSON",
			result: passport.Error(errors.New("hidden cause")),
			opts:   []passport.Option{passport.RespondJSON()},
			status: http.StatusInternalServerError,
			body:   `{"error":"internal_server_error","message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("s", tt.result)
			f.protect("/", f.auth.With(tt.opts...).Authenticate("s"))

			resp := f.get("/", "Accept", tt.accept)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.body, resp.body)
		})
	}
}

func TestOutcomeAsJSON(t *testing.T) {
	tests := []struct {
		name   string
		result passport.Result
		status int
		body   string
	}{
		{
			name:   "fail",
			result: passport.FailWithInfo(&passport.Info{Message: "token expired"}, 0).AsJSON(),
			status: http.StatusUnauthorized,
			body:   `{"error":"unauthorized","message":"token expired"}`,
		},
		{
			name:   "error",
			result: passport.Error(errors.New("hidden")).AsJSON(),
			status: http.StatusInternalServerError,
			body:   `{"error":"internal_server_error","message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("a", passport.Fail("Bearer", 0))
			f.use("b", tt.result)
			f.protect("/", f.auth.Authenticate("a", "b"))

			resp := f.get("/", "Accept", "text/html")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.body, resp.body)
		})
	}
}

func TestSuccessWithTypedNilUser(t *testing.T) {
	type account struct{ name string }
	f := newFixture(t)
	f.use("typed-nil", passport.Success((*account)(nil), nil))
	f.protect("/typed-nil", f.auth.Authenticate("typed-nil"))

	res := f.get("/typed-nil")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Empty(t, f.sessionCookie(res), "no login for a nil user")
}
