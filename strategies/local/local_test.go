package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
)

const formType = "application/x-www-form-urlencoded"

// verifier records the calls of a verify function and returns the
// configured values. By default it accepts any credentials as user "ok".
type verifier struct {
	calls              int
	username, password string
	request            *http.Request

	user any
	info *passport.Info
	err  error
}

func newVerifier() *verifier { return &verifier{user: "ok"} }

func (v *verifier) verify(ctx context.Context, username, password string) (any, *passport.Info, error) {
	v.calls++
	v.username, v.password = username, password
	return v.user, v.info, v.err
}

func (v *verifier) verifyRequest(r *http.Request, username, password string) (any, *passport.Info, error) {
	v.request = r
	return v.verify(r.Context(), username, password)
}

func newRequest(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func multipartRequest(t *testing.T, fields map[string]string, fileSize int) *http.Request {
	t.Helper()
	var body bytes.Buffer
	writer := multipart.NewWriter(&body)
	for key, value := range fields {
		require.NoError(t, writer.WriteField(key, value))
	}
	if fileSize > 0 {
		part, err := writer.CreateFormFile("avatar", "avatar.png")
		require.NoError(t, err)
		_, err = part.Write(bytes.Repeat([]byte{'x'}, fileSize))
		require.NoError(t, err)
	}
	require.NoError(t, writer.Close())
	return newRequest(writer.FormDataContentType(), body.String())
}

// assertFailure checks a failure of the given status and message.
func assertFailure(t *testing.T, res passport.Result, status int, message string) {
	t.Helper()
	assert.Equal(t, passport.OutcomeFail, res.Outcome)
	assert.Equal(t, status, res.Status)
	if assert.NotNil(t, res.Info) {
		assert.Equal(t, message, res.Info.Message)
	}
}

func TestAuthenticateBodies(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
	}{
		{"form", func(*testing.T) *http.Request {
			return newRequest(formType, "username=alice&password=s%26cret")
		}},
		{"form charset", func(*testing.T) *http.Request {
			return newRequest(formType+"; charset=UTF-8", "username=alice&password=s%26cret")
		}},
		{"json", func(*testing.T) *http.Request {
			return newRequest("application/json", `{"username":"alice","password":"s&cret"}`)
		}},
		{"json suffix", func(*testing.T) *http.Request {
			return newRequest("application/vnd.api+json", `{"username":"alice","password":"s&cret"}`)
		}},
		{"multipart", func(t *testing.T) *http.Request {
			return multipartRequest(t, map[string]string{"username": "alice", "password": "s&cret"}, 10)
		}},
		{"put", func(*testing.T) *http.Request {
			r := newRequest(formType, "username=alice&password=s%26cret")
			r.Method = http.MethodPut
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			v.info = &passport.Info{Message: "welcome"}

			res := local.New(local.Config{}, v.verify).Authenticate(tt.request(t))

			assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
			assert.Equal(t, "ok", res.User)
			assert.Same(t, v.info, res.Info)
			assert.Equal(t, 1, v.calls)
			assert.Equal(t, "alice", v.username)
			assert.Equal(t, "s&cret", v.password)
		})
	}
}

func TestAuthenticateCustomFields(t *testing.T) {
	cfg := local.Config{UsernameField: "email", PasswordField: "passwd"}
	tests := []struct {
		name    string
		request *http.Request
	}{
		{"form", newRequest(formType, "email=a%40example.com&passwd=pw&username=x&password=y")},
		{"json", newRequest("application/json", `{"email":"a@example.com","passwd":"pw","username":"x","password":"y"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(cfg, v.verify).Authenticate(tt.request)

			assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
			assert.Equal(t, "a@example.com", v.username)
			assert.Equal(t, "pw", v.password)
		})
	}
}

func TestAuthenticateNestedFields(t *testing.T) {
	bracket := local.Config{UsernameField: "user[email]", PasswordField: "user[auth][password]"}
	dot := local.Config{UsernameField: "user.email", PasswordField: "user.auth.password"}
	mixed := local.Config{UsernameField: "user[email]", PasswordField: "user.auth[password]"}
	form := "user%5Bemail%5D=a%40example.com&user%5Bauth%5D%5Bpassword%5D=pw"
	body := `{"user":{"email":"a@example.com","auth":{"password":"pw"}}}`
	tests := []struct {
		name        string
		cfg         local.Config
		contentType string
		body        string
	}{
		{"form bracket", bracket, formType, form},
		{"form dot", dot, formType, form},
		{"form mixed", mixed, formType, form},
		{"json bracket", bracket, "application/json", body},
		{"json dot", dot, "application/json", body},
		{"json mixed", mixed, "application/json", body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(tt.cfg, v.verify).Authenticate(newRequest(tt.contentType, tt.body))

			assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
			assert.Equal(t, "a@example.com", v.username)
			assert.Equal(t, "pw", v.password)
		})
	}
}

func TestAuthenticateNestedMultipart(t *testing.T) {
	v := newVerifier()
	r := multipartRequest(t, map[string]string{"user[email]": "a@example.com", "user[password]": "pw"}, 0)

	res := local.New(local.Config{UsernameField: "user.email", PasswordField: "user.password"}, v.verify).Authenticate(r)

	assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
	assert.Equal(t, "a@example.com", v.username)
	assert.Equal(t, "pw", v.password)
}

func TestAuthenticateMissingCredentials(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
	}{
		{"no body", func(*testing.T) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/login", nil)
		}},
		{"empty form", func(*testing.T) *http.Request { return newRequest(formType, "") }},
		{"form without password", func(*testing.T) *http.Request {
			return newRequest(formType, "username=alice")
		}},
		{"form without username", func(*testing.T) *http.Request {
			return newRequest(formType, "password=pw")
		}},
		{"form empty password", func(*testing.T) *http.Request {
			return newRequest(formType, "username=alice&password=")
		}},
		{"form empty username", func(*testing.T) *http.Request {
			return newRequest(formType, "username=&password=pw")
		}},
		{"empty json", func(*testing.T) *http.Request { return newRequest("application/json", " \n") }},
		{"json object empty", func(*testing.T) *http.Request { return newRequest("application/json", "{}") }},
		{"json without password", func(*testing.T) *http.Request {
			return newRequest("application/json", `{"username":"alice"}`)
		}},
		{"json empty username", func(*testing.T) *http.Request {
			return newRequest("application/json", `{"username":"","password":"pw"}`)
		}},
		{"json null password", func(*testing.T) *http.Request {
			return newRequest("application/json", `{"username":"alice","password":null}`)
		}},
		{"multipart without password", func(t *testing.T) *http.Request {
			return multipartRequest(t, map[string]string{"username": "alice"}, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(local.Config{}, v.verify).Authenticate(tt.request(t))

			assertFailure(t, res, http.StatusBadRequest, "missing credentials")
			assert.True(t, res.CredentialsMissing)
			assert.Zero(t, v.calls)
		})
	}
}

func TestAuthenticateIgnoresQuery(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
	}{
		{"no body", "/login?username=alice&password=pw", "", ""},
		{"empty form", "/login?username=alice&password=pw", formType, ""},
		{"form without password", "/login?password=pw", formType, "username=alice"},
		{"json without password", "/login?password=pw", "application/json", `{"username":"alice"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}

			res := local.New(local.Config{}, v.verify).Authenticate(r)

			assertFailure(t, res, http.StatusBadRequest, "missing credentials")
			assert.Zero(t, v.calls)
		})
	}
}

func TestAuthenticateInvalidBody(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		message     string
		missing     bool
	}{
		{"malformed json", "application/json", `{"username":"alice",`, "invalid JSON body", false},
		{"trailing json", "application/json", `{"username":"a","password":"b"}{}`, "invalid JSON body", false},
		{"invalid utf8 json", "application/json", "{\"username\":\"a\xff\",\"password\":\"b\"}", "invalid JSON body", false},
		{"json array", "application/json", `[{"username":"a","password":"b"}]`, "invalid credentials format", false},
		{"json null body", "application/json", `null`, "invalid credentials format", false},
		{"json number", "application/json", `{"username":"a","password":1234}`, "invalid credentials format", false},
		{"json bool", "application/json", `{"username":true,"password":"b"}`, "invalid credentials format", false},
		{"json object value", "application/json", `{"username":{"x":"a"},"password":"b"}`, "invalid credentials format", false},
		{"json array value", "application/json", `{"username":["a"],"password":"b"}`, "invalid credentials format", false},
		{"malformed form", formType, "username=%zz&password=b", "invalid form body", false},
		{"form semicolon", formType, "username=a;password=b", "invalid form body", false},
		{"repeated form key", formType, "username=a&username=b&password=c", "invalid credentials format", false},
		{"multipart without boundary", "multipart/form-data", "username=a", "invalid form body", false},
		{"malformed multipart", "multipart/form-data; boundary=xyz", "--xyz\r\nbroken", "invalid form body", false},
		{"text body", "text/plain", "username=a&password=b", "unsupported content type", true},
		{"xml body", "application/xml", "<username>a</username>", "unsupported content type", true},
		{"no content type", "", "username=a&password=b", "unsupported content type", true},
		{"malformed content type", "application/", `{"username":"a","password":"b"}`, "unsupported content type", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(local.Config{}, v.verify).Authenticate(newRequest(tt.contentType, tt.body))

			assertFailure(t, res, http.StatusBadRequest, tt.message)
			assert.Equal(t, tt.missing, res.CredentialsMissing)
			assert.Error(t, res.Err)
			assert.Zero(t, v.calls)
		})
	}
}

func TestAuthenticateNestedInvalidFormat(t *testing.T) {
	cfg := local.Config{UsernameField: "user[email]", PasswordField: "user[password]"}
	tests := []struct {
		name string
		body string
	}{
		{"parent string", `{"user":"a@example.com"}`},
		{"parent array", `{"user":[{"email":"a","password":"b"}]}`},
		{"leaf number", `{"user":{"email":"a","password":12}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(cfg, v.verify).Authenticate(newRequest("application/json", tt.body))

			assertFailure(t, res, http.StatusBadRequest, "invalid credentials format")
			assert.Zero(t, v.calls)
		})
	}
}

func TestAuthenticateBodyTooLarge(t *testing.T) {
	padding := strings.Repeat("x", 64<<10)
	tests := []struct {
		name    string
		cfg     local.Config
		request func(t *testing.T) *http.Request
	}{
		{"form default limit", local.Config{}, func(*testing.T) *http.Request {
			return newRequest(formType, "username=a&password=b&pad="+padding)
		}},
		{"json custom limit", local.Config{MaxBodyBytes: 32}, func(*testing.T) *http.Request {
			return newRequest("application/json", `{"username":"alice","password":"secret"}`)
		}},
		{"json unknown length", local.Config{MaxBodyBytes: 32}, func(*testing.T) *http.Request {
			r := newRequest("application/json", `{"username":"alice","password":"secret"}`)
			r.ContentLength = -1
			return r
		}},
		{"form unknown length", local.Config{}, func(*testing.T) *http.Request {
			r := newRequest(formType, "username=a&password=b&pad="+padding)
			r.ContentLength = -1
			return r
		}},
		{"multipart file", local.Config{}, func(t *testing.T) *http.Request {
			return multipartRequest(t, map[string]string{"username": "a", "password": "b"}, 64<<10)
		}},
		{"multipart unknown length", local.Config{MaxBodyBytes: 1024}, func(t *testing.T) *http.Request {
			r := multipartRequest(t, map[string]string{"username": "a", "password": "b"}, 2048)
			r.ContentLength = -1
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(tt.cfg, v.verify).Authenticate(tt.request(t))

			assertFailure(t, res, http.StatusBadRequest, "request body too large")
			assert.False(t, res.CredentialsMissing)
			assert.Zero(t, v.calls)
		})
	}
}

func TestAuthenticateBodyAtLimit(t *testing.T) {
	body := `{"username":"alice","password":"secret"}`
	v := newVerifier()
	r := newRequest("application/json", body)
	r.ContentLength = -1

	res := local.New(local.Config{MaxBodyBytes: int64(len(body))}, v.verify).Authenticate(r)

	assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
	assert.Equal(t, 1, v.calls)
}

// nestedJSON returns a JSON object with credentials whose key "pad" holds
// arrays nested so that the whole body is depth levels deep.
func nestedJSON(depth int) string {
	pad := strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1)
	return `{"username":"alice","password":"secret","pad":` + pad + `}`
}

func TestAuthenticateJSONDepth(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"at limit", nestedJSON(32), true},
		{"over limit", nestedJSON(33), false},
		{"far over limit", nestedJSON(10000), false},
		{"brackets in strings", `{"username":"[[[[","password":"` + strings.Repeat("{[", 40) + `"}`, true},
		{"escaped quotes", `{"username":"\"[[[","password":"\\","x":"\"{{{{"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()

			res := local.New(local.Config{}, v.verify).Authenticate(newRequest("application/json", tt.body))

			if tt.ok {
				assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
				assert.Equal(t, 1, v.calls)
				return
			}
			assertFailure(t, res, http.StatusBadRequest, "JSON body nested too deeply")
			assert.Zero(t, v.calls)
		})
	}
}

type account struct{ name string }

func TestAuthenticateVerifyFailure(t *testing.T) {
	tests := []struct {
		name     string
		user     any
		info     *passport.Info
		message  string
		infoType string
	}{
		{"message", nil, &passport.Info{Message: "account locked", Type: "error"}, "account locked", "error"},
		{"nil info", nil, nil, "invalid username or password", ""},
		{"empty message", nil, &passport.Info{Type: "warning"}, "invalid username or password", "warning"},
		{"nil pointer user", (*account)(nil), nil, "invalid username or password", ""},
		{"nil map user", map[string]string(nil), nil, "invalid username or password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			v.user, v.info = tt.user, tt.info

			res := local.New(local.Config{}, v.verify).Authenticate(newRequest(formType, "username=a&password=b"))

			assertFailure(t, res, http.StatusUnauthorized, tt.message)
			assert.Equal(t, tt.infoType, res.Info.Type)
			assert.False(t, res.CredentialsMissing)
			assert.Equal(t, 1, v.calls)
		})
	}
}

func TestAuthenticateVerifyError(t *testing.T) {
	cause := errors.New("database unavailable")
	httpErr := &passport.HTTPError{Status: http.StatusServiceUnavailable, Err: cause}
	tests := []struct {
		name string
		user any
		err  error
	}{
		{"plain", nil, cause},
		{"with user", &account{name: "a"}, cause},
		{"typed", nil, httpErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			v.user, v.err = tt.user, tt.err

			res := local.New(local.Config{}, v.verify).Authenticate(newRequest(formType, "username=a&password=b"))

			assert.Equal(t, passport.OutcomeError, res.Outcome)
			assert.Nil(t, res.User)
			assert.ErrorIs(t, res.Err, cause)
			assert.ErrorContains(t, res.Err, "local: verify: ")
		})
	}
}

func TestAuthenticateVerifyErrorAs(t *testing.T) {
	v := newVerifier()
	v.err = &passport.HTTPError{Status: http.StatusServiceUnavailable, Message: "try later"}

	res := local.New(local.Config{}, v.verify).Authenticate(newRequest(formType, "username=a&password=b"))

	var httpErr *passport.HTTPError
	require.ErrorAs(t, res.Err, &httpErr)
	assert.Equal(t, http.StatusServiceUnavailable, httpErr.Status)
}

type ctxKey struct{}

func TestNewWithRequestSeesRequest(t *testing.T) {
	v := newVerifier()
	r := newRequest(formType, "username=alice&password=pw")
	r.Header.Set("X-Request-ID", "abc")
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "value"))

	res := local.NewWithRequest(local.Config{}, v.verifyRequest).Authenticate(r)

	assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
	require.NotNil(t, v.request)
	assert.Same(t, r, v.request)
	assert.Equal(t, "abc", v.request.Header.Get("X-Request-ID"))
	assert.Equal(t, "pw", v.request.PostFormValue("password"))
	assert.Equal(t, "alice", v.username)
}

func TestNewPassesContext(t *testing.T) {
	var got any
	s := local.New(local.Config{}, func(ctx context.Context, username, password string) (any, *passport.Info, error) {
		got = ctx.Value(ctxKey{})
		return "ok", nil, nil
	})
	r := newRequest(formType, "username=alice&password=pw")
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "value"))

	s.Authenticate(r)

	assert.Equal(t, "value", got)
}

func TestAuthenticateKeepsBody(t *testing.T) {
	body := `{"username":"alice","password":"pw","remember":true}`
	r := newRequest("application/json", body)

	res := local.New(local.Config{}, newVerifier().verify).Authenticate(r)

	require.Equal(t, passport.OutcomeSuccess, res.Outcome)
	again, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(again))
}

func TestAuthenticateKeepsForm(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
	}{
		{"urlencoded", func(*testing.T) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/login?next=%2Fhome", strings.NewReader("username=alice&password=pw"))
		}},
		{"multipart", func(t *testing.T) *http.Request {
			return multipartRequest(t, map[string]string{"username": "alice", "password": "pw"}, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.request(t)
			if r.Header.Get("Content-Type") == "" {
				r.Header.Set("Content-Type", formType)
			}
			v := newVerifier()
			v.user = nil

			res := local.New(local.Config{}, v.verify).Authenticate(r)

			require.Equal(t, passport.OutcomeFail, res.Outcome)
			assert.Equal(t, "alice", r.PostFormValue("username"))
			assert.Equal(t, "alice", r.FormValue("username"))
		})
	}
}

func TestAuthenticateFormQueryStillParses(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/login?next=%2Fhome", strings.NewReader("username=alice&password=pw"))
	r.Header.Set("Content-Type", formType)

	local.New(local.Config{}, newVerifier().verify).Authenticate(r)

	assert.Equal(t, "/home", r.FormValue("next"))
	assert.Empty(t, r.PostFormValue("next"))
}

func TestAuthenticateTwiceOnOneRequest(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
	}{
		{"json", func(*testing.T) *http.Request {
			return newRequest("application/json", `{"email":"a@example.com","password":"pw"}`)
		}},
		{"form", func(*testing.T) *http.Request {
			return newRequest(formType, "email=a%40example.com&password=pw")
		}},
		{"multipart", func(t *testing.T) *http.Request {
			return multipartRequest(t, map[string]string{"email": "a@example.com", "password": "pw"}, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.request(t)
			byName := newVerifier()
			byEmail := newVerifier()

			first := local.New(local.Config{}, byName.verify).Authenticate(r)
			second := local.New(local.Config{UsernameField: "email"}, byEmail.verify).Authenticate(r)

			assertFailure(t, first, http.StatusBadRequest, "missing credentials")
			assert.Equal(t, passport.OutcomeSuccess, second.Outcome)
			assert.Equal(t, "a@example.com", byEmail.username)
		})
	}
}

func TestNewPanics(t *testing.T) {
	verify := newVerifier().verify
	tests := []struct {
		name    string
		build   func()
		message string
	}{
		{"nil verify", func() { local.New(local.Config{}, nil) }, "local: New: nil verify function"},
		{"nil request verify", func() { local.NewWithRequest(local.Config{}, nil) }, "local: NewWithRequest: nil verify function"},
		{"unclosed bracket", func() { local.New(local.Config{UsernameField: "user[email"}, verify) }, `local: New: invalid UsernameField "user[email"`},
		{"stray bracket", func() { local.New(local.Config{PasswordField: "user]"}, verify) }, `local: New: invalid PasswordField "user]"`},
		{"empty bracket", func() { local.New(local.Config{UsernameField: "user[]"}, verify) }, `local: New: invalid UsernameField "user[]"`},
		{"empty segment", func() { local.New(local.Config{UsernameField: "user..email"}, verify) }, `local: New: invalid UsernameField "user..email"`},
		{"leading dot", func() { local.New(local.Config{UsernameField: ".email"}, verify) }, `local: New: invalid UsernameField ".email"`},
		{"text after bracket", func() { local.New(local.Config{UsernameField: "user[a]b"}, verify) }, `local: New: invalid UsernameField "user[a]b"`},
		{"nested bracket", func() { local.New(local.Config{UsernameField: "user[a[b]]"}, verify) }, `local: New: invalid UsernameField "user[a[b]]"`},
		{"request variant", func() { local.NewWithRequest(local.Config{UsernameField: "["}, newVerifier().verifyRequest) }, `local: NewWithRequest: invalid UsernameField "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			message := panicMessage(tt.build)

			assert.True(t, strings.HasPrefix(message, tt.message), "panic message %q", message)
		})
	}
}

func panicMessage(fn func()) (message string) {
	defer func() { message = fmt.Sprint(recover()) }()
	fn()
	return ""
}

// testUser is the user type of the application under test.
type testUser struct{ Name string }

// newApp starts a server with a form login at POST /login, a login page at
// GET /login that prints the flash messages, a profile page and a JSON
// login at POST /api/login.
func newApp(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	sessions := scs.New()
	auth := passport.New(sessions)
	auth.SerializeUser(func(ctx context.Context, user any) (string, error) {
		return user.(*testUser).Name, nil
	})
	auth.DeserializeUser(func(ctx context.Context, id string) (any, error) {
		return &testUser{Name: id}, nil
	})
	auth.Use("local", local.New(local.Config{}, func(ctx context.Context, username, password string) (any, *passport.Info, error) {
		switch {
		case username == "broken":
			return nil, nil, errors.New("user store unavailable")
		case username != "alice" || password != "wonderland":
			return nil, nil, nil
		}
		return &testUser{Name: username}, nil, nil
	}))

	mux := http.NewServeMux()
	login := auth.With(
		passport.SuccessRedirect("/profile"),
		passport.FailureRedirect("/login"),
		passport.FailureMessage(""),
	).Authenticate("local")
	mux.Handle("POST /login", login(http.NotFoundHandler()))
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Join(auth.PopMessages(r), "|"))
	})
	mux.Handle("GET /profile", auth.Authenticate("session")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := passport.UserAs[*testUser](r)
		if !ok {
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "hello "+user.Name)
	})))
	apiLogin := auth.With(passport.NoSession()).Authenticate("local")
	mux.Handle("POST /api/login", apiLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello %s: %s", passport.User(r).(*testUser).Name, body)
	})))

	server := httptest.NewServer(sessions.LoadAndSave(mux))
	t.Cleanup(server.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return server, client
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func postForm(t *testing.T, client *http.Client, url string, form url.Values) *http.Response {
	t.Helper()
	resp, err := client.PostForm(url, form)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

func sessionCookie(t *testing.T, client *http.Client, server *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(server.URL)
	require.NoError(t, err)
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

func TestLoginWithSession(t *testing.T) {
	server, client := newApp(t)

	resp := postForm(t, client, server.URL+"/login?username=mallory", url.Values{"username": {"alice"}, "password": {"wonderland"}})

	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/profile", resp.Header.Get("Location"))
	assert.NotEmpty(t, sessionCookie(t, client, server))
	status, body := get(t, client, server.URL+"/profile")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "hello alice", body)
}

func TestLoginFailureMessage(t *testing.T) {
	tests := []struct {
		name    string
		form    url.Values
		message string
	}{
		{"wrong password", url.Values{"username": {"alice"}, "password": {"guess"}}, "invalid username or password"},
		{"missing password", url.Values{"username": {"alice"}}, "missing credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := newApp(t)

			resp := postForm(t, client, server.URL+"/login", tt.form)

			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/login", resp.Header.Get("Location"))
			_, first := get(t, client, server.URL+"/login")
			assert.Equal(t, tt.message, first)
			_, second := get(t, client, server.URL+"/login")
			assert.Empty(t, second)
			status, _ := get(t, client, server.URL+"/profile")
			assert.Equal(t, http.StatusUnauthorized, status)
		})
	}
}

func TestAPILogin(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		reply  string
	}{
		{"success rereads body", `{"username":"alice","password":"wonderland"}`, http.StatusOK, `hello alice: {"username":"alice","password":"wonderland"}`},
		{"wrong password", `{"username":"alice","password":"guess"}`, http.StatusUnauthorized, "invalid username or password"},
		{"malformed json", `{"username":`, http.StatusBadRequest, "invalid JSON body"},
		{"too deep", nestedJSON(100), http.StatusBadRequest, "JSON body nested too deeply"},
		{"too large", `{"username":"alice","password":"` + strings.Repeat("x", 70<<10) + `"}`, http.StatusBadRequest, "request body too large"},
		{"verify error", `{"username":"broken","password":"x"}`, http.StatusInternalServerError, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := newApp(t)

			resp, err := client.Post(server.URL+"/api/login", "application/json", strings.NewReader(tt.body))
			require.NoError(t, err)
			defer resp.Body.Close()

			assert.Equal(t, tt.status, resp.StatusCode)
			if tt.status == http.StatusOK {
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, tt.reply, string(body))
				return
			}
			var reply struct{ Message string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&reply))
			assert.Equal(t, tt.reply, reply.Message)
		})
	}
}
