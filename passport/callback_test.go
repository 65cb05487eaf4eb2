package passport_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// callbackRecorder is a CallbackFunc that keeps the result it receives and
// writes 204.
type callbackRecorder struct {
	results chan passport.Result
}

func newCallbackRecorder() *callbackRecorder {
	return &callbackRecorder{results: make(chan passport.Result, 1)}
}

func (c *callbackRecorder) callback(w http.ResponseWriter, r *http.Request, res passport.Result) {
	c.results <- res
	w.WriteHeader(http.StatusNoContent)
}

func TestCallbackSuccess(t *testing.T) {
	f := newFixture(t)
	info := &passport.Info{Message: "hello"}
	f.use("ok", passport.Success(&user{ID: "alice"}, info))
	rec := newCallbackRecorder()
	f.mux.Handle("/cb", f.auth.AuthenticateCallback(rec.callback, "ok"))

	resp := f.get("/cb")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	res := <-rec.results
	assert.Equal(t, passport.OutcomeSuccess, res.Outcome)
	assert.Equal(t, &user{ID: "alice"}, res.User)
	assert.Equal(t, info, res.Info)
	assert.Nil(t, f.sessionCookie(resp), "the callback decides whether to log in")
}

func TestCallbackLogin(t *testing.T) {
	f := newFixture(t)
	f.use("ok", passport.Success(&user{ID: "bob"}, nil))
	f.protect("/me", f.auth.Authenticate("session"))
	var during string
	f.mux.Handle("/cb", f.auth.AuthenticateCallback(func(w http.ResponseWriter, r *http.Request, res passport.Result) {
		if err := f.auth.Login(w, r, res.User); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		u, _ := passport.UserAs[*user](r)
		during = u.ID
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	}, "ok"))

	resp := f.post("/cb")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "bob", during, "Login sets the user for the rest of the request")
	assert.NotNil(t, f.sessionCookie(resp))
	assert.Equal(t, "user=bob auth=true", f.get("/me").body)
}

func TestCallbackFail(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Missing(`Bearer realm="api"`, 0, &passport.Info{Message: "no token"}))
	f.use("b", passport.FailWithInfo(&passport.Info{Message: "bad password"}, http.StatusForbidden))
	f.use("c", passport.Fail(`Basic realm="api"`, 0))
	rec := newCallbackRecorder()
	f.mux.Handle("/cb", f.auth.AuthenticateCallback(rec.callback, "a", "b", "c"))

	resp := f.get("/cb")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	res := <-rec.results
	assert.Equal(t, passport.OutcomeFail, res.Outcome)
	assert.Equal(t, http.StatusForbidden, res.Status)
	require.NotNil(t, res.Info)
	assert.Equal(t, "bad password", res.Info.Message)
	assert.Equal(t, `Bearer realm="api"`, res.Challenge)
	assert.Equal(t, []string{`Bearer realm="api"`, `Basic realm="api"`}, res.Challenges())
	assert.False(t, res.CredentialsMissing)
	assert.Nil(t, res.User)
}

func TestCallbackFailAllMissing(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Missing("", 0, nil))
	f.use("b", passport.Missing("Bearer", 0, nil))
	rec := newCallbackRecorder()
	f.mux.Handle("/cb", f.auth.AuthenticateCallback(rec.callback, "a", "b"))

	f.get("/cb")
	res := <-rec.results
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.True(t, res.CredentialsMissing)
	assert.Equal(t, []string{"Bearer"}, res.Challenges())
}

func TestCallbackError(t *testing.T) {
	f := newFixture(t)
	cause := errors.New("ldap unreachable")
	f.use("a", passport.Fail("Bearer", 0))
	f.use("b", passport.Error(cause))
	rec := newCallbackRecorder()
	f.mux.Handle("/cb", f.auth.AuthenticateCallback(rec.callback, "a", "b"))

	f.get("/cb")
	res := <-rec.results
	assert.Equal(t, passport.OutcomeError, res.Outcome)
	assert.ErrorIs(t, res.Err, cause)
}

func TestCallbackOptions(t *testing.T) {
	f := newFixture(t)
	seen := make(chan any, 1)
	f.auth.Use("s", passport.StrategyFunc(func(r *http.Request) passport.Result {
		seen <- passport.OptionValue(r, promptKey{})
		return passport.Pass()
	}))
	rec := newCallbackRecorder()
	call := f.auth.With(passport.StrategyOption(promptKey{}, "login"))
	f.mux.Handle("/cb", call.AuthenticateCallback(rec.callback, "s"))

	f.get("/cb")
	assert.Equal(t, "login", <-seen)
	assert.Equal(t, passport.OutcomePass, (<-rec.results).Outcome)
}

func TestCallbackNilPanics(t *testing.T) {
	f := newFixture(t)
	assert.PanicsWithValue(t, "passport: AuthenticateCallback: nil callback", func() {
		f.auth.AuthenticateCallback(nil, "session")
	})
}
