package passport_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestLoginRenewsToken(t *testing.T) {
	f := newFixture(t)
	f.use("bad", passport.FailWithInfo(&passport.Info{Message: "invalid password"}, 0))
	f.use("ok", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/attempt", f.auth.With(passport.FailureMessage("")).Authenticate("bad"))
	f.protect("/login", f.auth.With(passport.SuccessReturnToOrRedirect("/home")).Authenticate("ok"))
	f.protect("/me", f.auth.Authenticate("session"))
	f.handle("/messages", messagesHandler(f.auth))
	f.handle("/visit", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, f.auth.SetReturnTo(r, "/orders?id=7#top"))
	})

	// An anonymous session with a return-to path and a flash message.
	require.Equal(t, http.StatusOK, f.get("/visit").StatusCode)
	require.Equal(t, http.StatusUnauthorized, f.post("/attempt").StatusCode)
	before := f.token()
	require.NotEmpty(t, before)

	resp := f.post("/login")
	after := f.token()
	assert.NotEqual(t, before, after, "login must renew the session token")
	assert.Equal(t, "/orders?id=7#top", resp.Header.Get("Location"), "the return-to survives the renewal")
	assert.Equal(t, "invalid password", f.get("/messages").body, "flash messages survive the renewal")

	_, found := f.stored(before)
	assert.False(t, found, "the old token must have no store entry")
	assert.Equal(t, "user=- auth=false", f.getWithToken("/me", before).body)
	assert.Equal(t, "user=alice auth=true", f.getWithToken("/me", after).body)
}

func TestAuthenticatedRequestKeepsToken(t *testing.T) {
	f := newFixture(t)
	f.protect("/me", f.auth.Authenticate("session"))
	restore := f.use("restore", passport.Restore(&user{ID: "alice"}))
	f.protect("/restore", f.auth.Authenticate("restore"))
	token := f.login()

	for _, path := range []string{"/me", "/restore", "/me"} {
		resp := f.get(path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, "user=alice auth=true", resp.body, path)
		assert.Nil(t, f.sessionCookie(resp), "%s must not set the session cookie", path)
		assert.Equal(t, token, f.token(), path)
	}
	assert.Equal(t, int32(1), restore.calls.Load())
	_, found := f.stored(token)
	assert.True(t, found)
}

// hookStrategy is a strategy with a logout hook that records whether the
// session was still loaded when it ran.
type hookStrategy struct {
	calls      atomic.Int32
	sawSession atomic.Bool
	err        error
}

func (h *hookStrategy) Authenticate(*http.Request) passport.Result { return passport.Pass() }

func (h *hookStrategy) Logout(ctx context.Context) error {
	h.calls.Add(1)
	_, err := passport.RequireSession(ctx)
	h.sawSession.Store(err == nil)
	return h.err
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	hook := &hookStrategy{}
	f.auth.Use("hook", hook)
	f.protect("/me", f.auth.Authenticate("session"))
	f.mux.Handle("/logout", f.auth.Authenticate("session")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			require.NoError(t, f.auth.Logout(w, r))
			whoami(w, r)
		})))
	token := f.login()

	resp := f.post("/logout")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=- auth=false", resp.body, "the rest of the request is anonymous")
	cookie := f.sessionCookie(resp)
	require.NotNil(t, cookie, "logout must expire the session cookie")
	assert.Less(t, cookie.MaxAge, 0)
	assert.Empty(t, cookie.Value)
	_, found := f.stored(token)
	assert.False(t, found, "the store must have no entry for the token")
	assert.Equal(t, int32(1), hook.calls.Load())
	assert.True(t, hook.sawSession.Load(), "the hook runs while the session is loaded")

	assert.Empty(t, f.token())
	assert.Equal(t, "user=- auth=false", f.get("/me").body)
	assert.Equal(t, "user=- auth=false", f.getWithToken("/me", token).body)
}

func TestLogoutOutsideAuthenticate(t *testing.T) {
	f := newFixture(t)
	hookErr := errors.New("revoke failed")
	hook := &hookStrategy{err: hookErr}
	f.auth.Use("hook", hook)
	var got error
	f.handle("/logout", func(w http.ResponseWriter, r *http.Request) {
		got = f.auth.Logout(w, r)
	})
	token := f.login()

	f.post("/logout")
	assert.ErrorIs(t, got, hookErr)
	assert.True(t, hook.sawSession.Load(), "hooks find the session outside an Authenticate call")
	_, found := f.stored(token)
	assert.False(t, found, "a failing hook does not keep the session")
}

func TestSetReturnToRejectsUnsafe(t *testing.T) {
	f := newFixture(t)
	f.handle("/visit", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, f.auth.SetReturnTo(r, r.URL.Query().Get("next")))
	})
	f.get("/visit?next=" + url.QueryEscape("/safe"))
	values, found := f.stored(f.token())
	require.True(t, found)
	assert.Equal(t, "/safe", values[passport.SessionReturnToKey])

	f.get("/visit?next=" + url.QueryEscape("https://evil.example/"))
	values, _ = f.stored(f.token())
	assert.Equal(t, "/safe", values[passport.SessionReturnToKey], "an unsafe path is not stored")
}

func TestPopMessagesWithoutSession(t *testing.T) {
	auth := passport.New(nil)
	r, err := http.NewRequest(http.MethodGet, "/", nil)
	require.NoError(t, err)
	assert.Nil(t, auth.PopMessages(r))
}
