package passport_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestSuccessRedirect(t *testing.T) {
	tests := []struct {
		name   string
		method string
		status int
	}{
		{name: "GET", method: http.MethodGet, status: http.StatusFound},
		{name: "HEAD", method: http.MethodHead, status: http.StatusFound},
		{name: "POST", method: http.MethodPost, status: http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("ok", passport.Success(&user{ID: "alice"}, nil))
			f.protect("/login", f.auth.With(passport.SuccessRedirect("/home")).Authenticate("ok"))
			f.protect("/me", f.auth.Authenticate("session"))

			resp := f.do(tt.method, "/login")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "/home", resp.Header.Get("Location"))
			assert.NotNil(t, f.sessionCookie(resp))
			assert.Equal(t, "user=alice auth=true", f.get("/me").body)
		})
	}
}

// returnToFixture serves /login with SuccessReturnToOrRedirect("/home") for
// a strategy that returns res. It also serves /visit, which stores the "next"
// query parameter with SetReturnTo, or puts it unchecked when raw=1.
func returnToFixture(t *testing.T, res passport.Result) *fixture {
	f := newFixture(t)
	f.use("ok", res)
	f.protect("/login", f.auth.With(passport.SuccessReturnToOrRedirect("/home")).Authenticate("ok"))
	f.handle("/visit", func(w http.ResponseWriter, r *http.Request) {
		next := r.URL.Query().Get("next")
		if r.URL.Query().Get("raw") == "1" {
			f.sessions.Put(r.Context(), passport.SessionReturnToKey, next)
			return
		}
		require.NoError(t, f.auth.SetReturnTo(r, next))
	})
	return f
}

func TestSuccessReturnToFromResult(t *testing.T) {
	tests := []struct {
		name     string
		returnTo string
		location string
	}{
		{name: "safe path", returnTo: "/a/b?x=1&y=%2F#frag", location: "/a/b?x=1&y=%2F#frag"},
		{name: "unsafe path", returnTo: "//evil.example/", location: "/home"},
		{name: "absolute URL", returnTo: "https://evil.example/", location: "/home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := passport.Success(&user{ID: "alice"}, nil).WithReturnTo(tt.returnTo)
			f := returnToFixture(t, res)

			resp := f.post("/login")
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tt.location, resp.Header.Get("Location"))
		})
	}
}

func TestSuccessReturnToFromSession(t *testing.T) {
	tests := []struct {
		name     string
		visit    string
		location string
	}{
		{name: "safe path", visit: "/visit?next=" + url.QueryEscape("/orders/7?tab=items"), location: "/orders/7?tab=items"},
		{name: "unsafe path", visit: "/visit?raw=1&next=" + url.QueryEscape("//evil.example/x"), location: "/home"},
		{name: "unsafe path via SetReturnTo", visit: "/visit?next=" + url.QueryEscape("javascript:alert(1)"), location: "/home"},
		{name: "none", visit: "/visit?raw=1&next=", location: "/home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := returnToFixture(t, passport.Success(&user{ID: "alice"}, nil))
			require.Equal(t, http.StatusOK, f.get(tt.visit).StatusCode)

			resp := f.get("/login")
			assert.Equal(t, http.StatusFound, resp.StatusCode)
			assert.Equal(t, tt.location, resp.Header.Get("Location"))

			values, found := f.stored(f.token())
			require.True(t, found)
			assert.NotContains(t, values, passport.SessionReturnToKey, "a used return-to must be removed")

			resp = f.get("/login")
			assert.Equal(t, "/home", resp.Header.Get("Location"))
		})
	}
}

func TestSuccessReturnToResultWins(t *testing.T) {
	res := passport.Success(&user{ID: "alice"}, nil).WithReturnTo("/from/result")
	f := returnToFixture(t, res)
	require.Equal(t, http.StatusOK, f.get("/visit?next="+url.QueryEscape("/from/session")).StatusCode)

	resp := f.get("/login")
	assert.Equal(t, "/from/result", resp.Header.Get("Location"))

	values, found := f.stored(f.token())
	require.True(t, found)
	assert.NotContains(t, values, passport.SessionReturnToKey, "a stale return-to must be removed")
}

func TestSuccessMessage(t *testing.T) {
	tests := []struct {
		name    string
		message string
		want    []string
	}{
		{name: "given", message: "Welcome!", want: []string{"Welcome!"}},
		{name: "empty uses strategy's", message: "", want: []string{"signed in as Alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("ok", passport.Success(&user{ID: "alice"}, &passport.Info{Message: "signed in as Alice"}))
			f.protect("/login", f.auth.With(passport.SuccessMessage(tt.message)).Authenticate("ok"))
			f.handle("/messages", messagesHandler(f.auth))

			require.Equal(t, http.StatusOK, f.post("/login").StatusCode)
			assert.Equal(t, strings.Join(tt.want, "|"), f.get("/messages").body)
			assert.Empty(t, f.get("/messages").body, "messages are removed once read")
		})
	}
}

// messagesHandler writes the popped flash messages joined by "|".
func messagesHandler(auth *passport.Authenticator) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Join(auth.PopMessages(r), "|"))
	}
}

func TestFailureRedirect(t *testing.T) {
	tests := []struct {
		name   string
		method string
		status int
	}{
		{name: "GET", method: http.MethodGet, status: http.StatusFound},
		{name: "POST", method: http.MethodPost, status: http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("bad", passport.Fail(`Bearer realm="api"`, 0))
			f.protect("/login", f.auth.With(passport.FailureRedirect("/login?failed=1")).Authenticate("bad"))

			resp := f.do(tt.method, "/login")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "/login?failed=1", resp.Header.Get("Location"))
			assert.Empty(t, resp.Header.Values("WWW-Authenticate"))
		})
	}
}

func TestFailureMessage(t *testing.T) {
	tests := []struct {
		name    string
		message string
		want    string
	}{
		{name: "given", message: "Try again.", want: "Try again."},
		{name: "empty uses strategy's", message: "", want: "invalid username or password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("bad", passport.FailWithInfo(&passport.Info{Message: "invalid username or password"}, 0))
			opts := f.auth.With(passport.FailureMessage(tt.message), passport.FailureRedirect("/login"))
			f.protect("/login", opts.Authenticate("bad"))
			f.handle("/messages", messagesHandler(f.auth))

			resp := f.post("/login")
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tt.want, f.get("/messages").body)
			assert.Empty(t, f.get("/messages").body)
		})
	}
}

func TestFailureMessageAccumulates(t *testing.T) {
	f := newFixture(t)
	f.use("bad", passport.FailWithInfo(&passport.Info{Message: "invalid password"}, 0))
	f.protect("/login", f.auth.With(passport.FailureMessage("")).Authenticate("bad"))
	f.handle("/messages", messagesHandler(f.auth))

	assert.Equal(t, http.StatusUnauthorized, f.post("/login").StatusCode)
	assert.Equal(t, http.StatusUnauthorized, f.post("/login").StatusCode)
	assert.Equal(t, "invalid password|invalid password", f.get("/messages").body)
}

func TestFailWithError(t *testing.T) {
	f := newFixture(t)
	cause := errors.New("provider returned access_denied")
	f.use("a", passport.Fail(`Bearer realm="api"`, 0))
	f.use("b", passport.Result{
		Outcome: passport.OutcomeFail,
		Status:  http.StatusForbidden,
		Info:    &passport.Info{Message: "access denied"},
		Err:     cause,
	})
	var got error
	f.auth.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}
	f.protect("/", f.auth.With(passport.FailWithError()).Authenticate("a", "b"))

	resp := f.get("/")
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	var authErr *passport.AuthenticationError
	require.ErrorAs(t, got, &authErr)
	assert.Equal(t, http.StatusForbidden, authErr.Status)
	assert.Equal(t, "access denied", authErr.Message)
	assert.Equal(t, []string{`Bearer realm="api"`}, authErr.Challenges)
	assert.ErrorIs(t, got, cause)
	assert.Equal(t, "passport: authentication failed: access denied", authErr.Error())
}

func TestFailWithErrorDefaultHandler(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Fail(`Bearer realm="api"`, 0))
	f.use("b", passport.Fail(`Basic realm="api"`, 0))
	f.protect("/", f.auth.With(passport.FailWithError()).Authenticate("a", "b"))

	resp := f.get("/")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, []string{`Bearer realm="api"`, `Basic realm="api"`}, resp.Header.Values("WWW-Authenticate"))
	assert.Equal(t, "Unauthorized\n", resp.body)
}

func TestNoSession(t *testing.T) {
	f := newFixture(t)
	f.use("ok", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/api", f.auth.With(passport.NoSession(), passport.SuccessMessage("hi")).Authenticate("ok"))
	f.protect("/me", f.auth.Authenticate("session"))

	resp := f.get("/api")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=alice auth=true", resp.body)
	assert.Nil(t, f.sessionCookie(resp), "NoSession must not start a session")
	assert.Empty(t, f.token())
	assert.Equal(t, "user=- auth=false", f.get("/me").body)
}

func TestNoSessionWithoutManager(t *testing.T) {
	auth := passport.New(nil)
	auth.Use("ok", &counter{result: passport.Success(&user{ID: "alice"}, nil)})
	server := serve(t, auth.With(passport.NoSession()).Authenticate("ok")(http.HandlerFunc(whoami)))

	resp, err := http.Get(server)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Cookies())
}

func TestAssignProperty(t *testing.T) {
	f := newFixture(t)
	f.use("link", passport.Success(&user{ID: "bob"}, nil))
	var linked any
	link := f.auth.With(passport.AssignProperty("account"), passport.SuccessRedirect("/ignored"))
	f.mux.Handle("/link", f.auth.Authenticate("session")(link.Authenticate("link")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			linked = passport.Property(r, "account")
			whoami(w, r)
		}))))
	token := f.login()

	resp := f.get("/link")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=alice auth=true", resp.body, "the logged-in user stays")
	assert.Equal(t, &user{ID: "bob"}, linked)
	assert.Nil(t, f.sessionCookie(resp), "AssignProperty must not log in")
	assert.Equal(t, token, f.token())
}

func TestAssignPropertyAnonymous(t *testing.T) {
	f := newFixture(t)
	f.use("link", passport.Success(&user{ID: "bob"}, nil))
	var linked any
	f.mux.Handle("/link", f.auth.With(passport.AssignProperty("account")).Authenticate("link")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			linked = passport.PropertyFromContext(r.Context(), "account")
			whoami(w, r)
		})))

	resp := f.get("/link")
	assert.Equal(t, "user=- auth=false", resp.body)
	assert.Equal(t, &user{ID: "bob"}, linked)
	assert.Nil(t, f.sessionCookie(resp))
}

type promptKey struct{}

func TestStrategyOption(t *testing.T) {
	f := newFixture(t)
	seen := make(chan any, 2)
	f.auth.Use("s", passport.StrategyFunc(func(r *http.Request) passport.Result {
		seen <- passport.OptionValue(r, promptKey{})
		return passport.Pass()
	}))
	consent := passport.Join(passport.StrategyOption(promptKey{}, "consent"), passport.RespondJSON())
	f.protect("/with", f.auth.With(consent).Authenticate("s"))
	f.protect("/without", f.auth.Authenticate("s"))

	f.get("/with")
	assert.Equal(t, "consent", <-seen)
	f.get("/without")
	assert.Nil(t, <-seen)
}

func TestOptionValueOutsideCall(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	assert.Nil(t, passport.OptionValue(r, promptKey{}))
}
