package passport_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

func TestUsePanics(t *testing.T) {
	auth := passport.New(nil)
	assert.PanicsWithValue(t, "passport: Use: empty strategy name", func() {
		auth.Use("", passport.StrategyFunc(func(*http.Request) passport.Result { return passport.Pass() }))
	})
	assert.PanicsWithValue(t, `passport: Use: nil strategy for "local"`, func() {
		auth.Use("local", nil)
	})
}

func TestAuthenticateUnknownPanics(t *testing.T) {
	auth := passport.New(nil)
	auth.Use("known", &counter{})
	assert.PanicsWithValue(t,
		`passport: Authenticate: unknown strategy "unknown": register it with Use first`,
		func() { auth.Authenticate("known", "unknown") })
	assert.PanicsWithValue(t, "passport: Authenticate: no strategy names", func() {
		auth.Authenticate()
	})
	assert.Panics(t, func() {
		auth.AuthenticateCallback(func(http.ResponseWriter, *http.Request, passport.Result) {}, "unknown")
	})
}

func TestAuthenticateBuiltinSession(t *testing.T) {
	auth := passport.New(nil)
	assert.NotNil(t, auth.Strategy("session"))
	assert.NotPanics(t, func() { auth.Authenticate("session") })
}

func TestStrategyLookup(t *testing.T) {
	auth := passport.New(nil)
	first := &counter{}
	second := &counter{}
	auth.Use("s", first)
	assert.Same(t, first, auth.Strategy("s"))
	auth.Use("s", second)
	assert.Same(t, second, auth.Strategy("s"), "Use replaces a strategy of the same name")
	assert.Nil(t, auth.Strategy("missing"))
}

func TestUnuse(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Fail("Bearer", 0))
	removed := f.use("b", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/", f.auth.Authenticate("a", "b"))
	f.auth.Unuse("b")

	resp := f.get("/")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, "Internal Server Error\n", resp.body)
	assert.Nil(t, f.auth.Strategy("b"))
	assert.Equal(t, int32(0), removed.calls.Load())

	f.auth.Use("b", removed)
	resp = f.get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "registering the name again restores the route")
}

func TestUnuseUnknown(t *testing.T) {
	auth := passport.New(nil)
	assert.NotPanics(t, func() { auth.Unuse("never-registered") })
}
