package passport_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

func TestDeletedUserIsAnonymous(t *testing.T) {
	tests := []struct {
		name        string
		deserialize passport.DeserializeFunc
	}{
		{
			name: "ErrUserNotFound",
			deserialize: func(context.Context, string) (any, error) {
				return nil, passport.ErrUserNotFound
			},
		},
		{
			name: "wrapped ErrUserNotFound",
			deserialize: func(_ context.Context, id string) (any, error) {
				return nil, errors.Join(errors.New("users: no row for "+id), passport.ErrUserNotFound)
			},
		},
		{
			name:        "nil user",
			deserialize: func(context.Context, string) (any, error) { return nil, nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.auth = passport.New(f.sessions)
			f.auth.SerializeUser(serializeUser)
			f.auth.DeserializeUser(tt.deserialize)
			f.protect("/me", f.auth.Authenticate("session"))
			token := f.login()

			resp := f.get("/me")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "user=- auth=false", resp.body)
			values, found := f.stored(token)
			require.True(t, found, "the session itself stays")
			assert.NotContains(t, values, passport.SessionUserKey)
		})
	}
}

func TestDeletedUserFromStore(t *testing.T) {
	f := newFixture(t)
	f.protect("/me", f.auth.Authenticate("session"))
	token := f.login()
	require.Equal(t, "user=alice auth=true", f.get("/me").body)

	f.users.delete("alice")
	assert.Equal(t, "user=- auth=false", f.get("/me").body)
	values, found := f.stored(token)
	require.True(t, found)
	assert.NotContains(t, values, passport.SessionUserKey)
	assert.Equal(t, token, f.token(), "clearing the user does not renew the token")
}

func TestDeserializeErrorKeepsSession(t *testing.T) {
	f := newFixture(t)
	f.protect("/me", f.auth.Authenticate("session"))
	token := f.login()

	f.users.fail(errors.New("users: connection refused"))
	resp := f.get("/me")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.NotContains(t, resp.body, "connection refused")
	values, found := f.stored(token)
	require.True(t, found)
	assert.Equal(t, "alice", values[passport.SessionUserKey])

	f.users.fail(nil)
	assert.Equal(t, "user=alice auth=true", f.get("/me").body, "the login survives the outage")
}

func TestDeserializeChain(t *testing.T) {
	tests := []struct {
		name   string
		chain  []passport.DeserializeFunc
		status int
		body   string
	}{
		{
			name: "pass then found",
			chain: []passport.DeserializeFunc{
				func(context.Context, string) (any, error) { return nil, passport.ErrPass },
				func(_ context.Context, id string) (any, error) { return &user{ID: id}, nil },
			},
			status: http.StatusOK,
			body:   "user=alice auth=true",
		},
		{
			name: "every one passes",
			chain: []passport.DeserializeFunc{
				func(context.Context, string) (any, error) { return nil, passport.ErrPass },
				func(context.Context, string) (any, error) { return nil, passport.ErrPass },
			},
			status: http.StatusInternalServerError,
			body:   "Internal Server Error\n",
		},
		{
			name:   "none registered",
			status: http.StatusInternalServerError,
			body:   "Internal Server Error\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.auth = passport.New(f.sessions)
			f.auth.SerializeUser(serializeUser)
			for _, fn := range tt.chain {
				f.auth.DeserializeUser(fn)
			}
			f.protect("/me", f.auth.Authenticate("session"))
			f.login()

			resp := f.get("/me")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.body, resp.body)
		})
	}
}

func TestSerializeChain(t *testing.T) {
	f := newFixture(t)
	f.auth = passport.New(f.sessions)
	var firstCalls int
	f.auth.SerializeUser(func(context.Context, any) (string, error) {
		firstCalls++
		return "", passport.ErrPass
	})
	f.auth.SerializeUser(func(_ context.Context, u any) (string, error) {
		return "user:" + u.(*user).ID, nil
	})
	f.auth.DeserializeUser(f.users.deserialize)
	token := f.login()

	values, found := f.stored(token)
	require.True(t, found)
	assert.Equal(t, "user:alice", values[passport.SessionUserKey])
	assert.Equal(t, 1, firstCalls)
}

func TestSerializeFailure(t *testing.T) {
	tests := []struct {
		name  string
		chain []passport.SerializeFunc
		want  error
	}{
		{
			name: "every one passes",
			chain: []passport.SerializeFunc{
				func(context.Context, any) (string, error) { return "", passport.ErrPass },
				func(context.Context, any) (string, error) { return "", passport.ErrPass },
			},
		},
		{
			name: "error",
			chain: []passport.SerializeFunc{
				func(context.Context, any) (string, error) { return "", errSerialize },
			},
			want: errSerialize,
		},
		{name: "none registered", want: passport.ErrNoSerializer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.auth = passport.New(f.sessions)
			for _, fn := range tt.chain {
				f.auth.SerializeUser(fn)
			}
			var got error
			f.auth.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				passport.DefaultErrorHandler(w, r, err)
			}
			f.use("ok", passport.Success(&user{ID: "alice"}, nil))
			f.protect("/login", f.auth.Authenticate("ok"))

			resp := f.post("/login")
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.NotContains(t, resp.body, "user=")
			require.Error(t, got)
			if tt.want != nil {
				assert.ErrorIs(t, got, tt.want)
			}
			assert.Empty(t, f.token(), "a failed login stores nothing")
		})
	}
}

var errSerialize = errors.New("users: cannot encode id")

func TestSessionNotLoaded(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		status   int
		want     error
	}{
		{name: "session strategy", strategy: "session", status: http.StatusInternalServerError, want: passport.ErrSessionNotLoaded},
		{name: "login", strategy: "ok", status: http.StatusInternalServerError, want: passport.ErrSessionNotLoaded},
		{name: "failure", strategy: "bad", status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("ok", passport.Success(&user{ID: "alice"}, nil))
			f.use("bad", passport.Fail("", http.StatusForbidden))
			var got []error
			f.auth.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
				got = append(got, err)
				passport.DefaultErrorHandler(w, r, err)
			}
			call := f.auth.With(passport.FailWithError(), passport.FailureMessage("denied"))
			f.raw.Handle("/raw/", call.Authenticate(tt.strategy)(http.HandlerFunc(whoami)))

			resp := f.get("/raw/")
			assert.Equal(t, tt.status, resp.StatusCode)
			require.Len(t, got, 1, "the error handler runs once")
			if tt.want != nil {
				assert.ErrorIs(t, got[0], tt.want)
				return
			}
			var authErr *passport.AuthenticationError
			assert.ErrorAs(t, got[0], &authErr)
		})
	}
}

func TestSessionNotLoadedHelpers(t *testing.T) {
	sessions := scs.New()
	auth := passport.New(sessions)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()

	assert.ErrorIs(t, auth.Login(w, r, &user{ID: "alice"}), passport.ErrSessionNotLoaded)
	assert.ErrorIs(t, auth.Logout(w, r), passport.ErrSessionNotLoaded)
	assert.ErrorIs(t, auth.SetReturnTo(r, "/next"), passport.ErrSessionNotLoaded)
	assert.Nil(t, auth.PopMessages(r))
}

func TestFailureMessageWithoutSession(t *testing.T) {
	f := newFixture(t)
	f.use("bad", passport.FailWithInfo(&passport.Info{Message: "no"}, 0))
	f.raw.Handle("/raw/", f.auth.With(passport.FailureMessage("")).Authenticate("bad")(http.HandlerFunc(whoami)))

	resp := f.get("/raw/")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the failure is answered although no message can be stored")
}

func TestRequireSession(t *testing.T) {
	f := newFixture(t)
	errs := make(chan error, 1)
	probe := passport.StrategyFunc(func(r *http.Request) passport.Result {
		s, err := passport.RequireSession(r.Context())
		if err == nil && s != passport.SessionFromContext(r.Context()) {
			err = errors.New("RequireSession and SessionFromContext disagree")
		}
		errs <- err
		return passport.Pass()
	})
	f.auth.Use("probe", probe)
	f.protect("/probe", f.auth.Authenticate("probe"))
	f.raw.Handle("/raw/probe", f.auth.Authenticate("probe")(http.HandlerFunc(whoami)))

	f.get("/probe")
	assert.NoError(t, <-errs)
	f.get("/raw/probe")
	assert.ErrorIs(t, <-errs, passport.ErrSessionNotLoaded)

	_, err := passport.RequireSession(context.Background())
	assert.ErrorIs(t, err, passport.ErrNoSessionManager)
}

func TestRequireSessionWithoutManager(t *testing.T) {
	auth := passport.New(nil)
	errs := make(chan error, 1)
	auth.Use("probe", passport.StrategyFunc(func(r *http.Request) passport.Result {
		_, err := passport.RequireSession(r.Context())
		errs <- err
		return passport.Pass()
	}))
	h := auth.Authenticate("probe")(http.HandlerFunc(whoami))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.ErrorIs(t, <-errs, passport.ErrNoSessionManager)

	rec := httptest.NewRecorder()
	auth.Authenticate("session")(http.HandlerFunc(whoami)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
}

// TestSessionGob decodes the stored session with a fresh codec. The test
// binary registers no type with gob, so a successful decode, together with
// the value types checked here, shows that apps need no gob.Register call.
func TestSessionGob(t *testing.T) {
	f := newFixture(t)
	f.use("bad", passport.FailWithInfo(&passport.Info{Message: "invalid password"}, 0))
	f.protect("/attempt", f.auth.With(passport.FailureMessage("")).Authenticate("bad"))
	f.handle("/visit", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, f.auth.SetReturnTo(r, "/after"))
	})
	f.get("/visit")
	f.post("/attempt")
	token := f.login()

	b, found, err := f.store.Find(token)
	require.NoError(t, err)
	require.True(t, found)
	deadline, values, err := scs.GobCodec{}.Decode(b)
	require.NoError(t, err)
	assert.True(t, deadline.After(time.Now()))

	want := map[string]any{
		passport.SessionUserKey:     "alice",
		passport.SessionReturnToKey: "/after",
		passport.SessionMessagesKey: []string{"invalid password"},
	}
	assert.Equal(t, want, values)
	for key, value := range values {
		switch value.(type) {
		case string, []string:
		default:
			t.Errorf("session key %q holds %T, which gob needs registered", key, value)
		}
	}

	again, err := scs.GobCodec{}.Encode(deadline, values)
	require.NoError(t, err)
	_, roundTrip, err := scs.GobCodec{}.Decode(again)
	require.NoError(t, err)
	assert.Equal(t, want, roundTrip)
}
