package passport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

func TestAccessorsOutsideAuthenticate(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	ctx := context.Background()

	assert.Nil(t, passport.User(r))
	assert.Nil(t, passport.UserFromContext(ctx))
	assert.False(t, passport.IsAuthenticated(r))
	assert.False(t, passport.IsAuthenticatedContext(ctx))
	assert.Nil(t, passport.InfoFrom(r))
	assert.Nil(t, passport.InfoFromContext(ctx))
	assert.Nil(t, passport.Property(r, "account"))
	assert.Nil(t, passport.PropertyFromContext(ctx, "account"))
	assert.Nil(t, passport.SessionFromContext(ctx))
	_, ok := passport.UserAs[*user](r)
	assert.False(t, ok)
}

func TestAccessorsContextForms(t *testing.T) {
	auth := passport.New(nil)
	info := &passport.Info{Message: "hi"}
	auth.Use("ok", &counter{result: passport.Success(&user{ID: "alice"}, info)})
	var (
		fromContext any
		authed      bool
		gotInfo     *passport.Info
		wrongType   bool
	)
	h := auth.With(passport.NoSession()).Authenticate("ok")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		fromContext = passport.UserFromContext(ctx)
		authed = passport.IsAuthenticatedContext(ctx)
		gotInfo = passport.InfoFromContext(ctx)
		_, wrongType = passport.UserAs[string](r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	assert.Equal(t, &user{ID: "alice"}, fromContext)
	assert.True(t, authed)
	assert.Same(t, info, gotInfo)
	assert.False(t, wrongType, "UserAs reports a user of another type as absent")
}

func TestNestedAuthenticateKeepsUser(t *testing.T) {
	f := newFixture(t)
	f.use("pass", passport.Pass())
	outer := f.auth.Authenticate("session")
	inner := f.auth.Authenticate("pass")
	f.mux.Handle("/nested", outer(inner(http.HandlerFunc(whoami))))
	f.login()

	assert.Equal(t, "user=alice auth=true", f.get("/nested").body)
}

func TestSetProperty(t *testing.T) {
	auth := passport.New(nil)
	auth.Use("ticket", passport.StrategyFunc(func(r *http.Request) passport.Result {
		passport.SetProperty(r.Context(), "ticket", "t-1")
		return passport.Pass()
	}))
	var got any
	h := auth.Authenticate("ticket")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = passport.Property(r, "ticket")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, "t-1", got)

	assert.NotPanics(t, func() { passport.SetProperty(context.Background(), "ticket", "t-2") })
}
