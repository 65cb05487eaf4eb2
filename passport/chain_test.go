package passport_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

func TestChainFirstSuccessWins(t *testing.T) {
	f := newFixture(t)
	first := f.use("first", passport.Success(&user{ID: "alice"}, nil))
	second := f.use("second", passport.Success(&user{ID: "bob"}, nil))
	third := f.use("third", passport.Fail("Bearer", 0))
	f.protect("/", f.auth.Authenticate("first", "second", "third"))

	resp := f.get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=alice auth=true", resp.body)
	assert.Equal(t, int32(1), first.calls.Load())
	assert.Equal(t, int32(0), second.calls.Load())
	assert.Equal(t, int32(0), third.calls.Load())
}

func TestChainFailThenSuccess(t *testing.T) {
	tests := []struct {
		name  string
		names []string
	}{
		{name: "two strategies", names: []string{"bearer", "ok"}},
		{name: "three strategies", names: []string{"bearer", "basic", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			bearer := f.use("bearer", passport.Fail(`Bearer realm="api"`, 0))
			basic := f.use("basic", passport.Fail(`Basic realm="api"`, 0))
			ok := f.use("ok", passport.Success(&user{ID: "bob"}, nil))
			f.protect("/", f.auth.Authenticate(tt.names...))

			resp := f.get("/")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "user=bob auth=true", resp.body)
			assert.Empty(t, resp.Header.Values("WWW-Authenticate"))
			assert.Equal(t, int32(1), bearer.calls.Load())
			assert.Equal(t, int32(len(tt.names)-2), basic.calls.Load())
			assert.Equal(t, int32(1), ok.calls.Load())
		})
	}
}

func TestChainAllFail(t *testing.T) {
	tests := []struct {
		name       string
		results    []passport.Result
		status     int
		challenges []string
		body       string
	}{
		{
			name: "challenges of every strategy",
			results: []passport.Result{
				passport.Fail(`Bearer realm="api"`, 0),
				passport.Fail("missing credentials!", 0),
				passport.Fail(`Basic realm="api", charset="UTF-8"`, 0),
			},
			status:     http.StatusUnauthorized,
			challenges: []string{`Bearer realm="api"`, `Basic realm="api", charset="UTF-8"`},
			body:       "Unauthorized\n",
		},
		{
			name: "first given status",
			results: []passport.Result{
				passport.Fail("Bearer", 0),
				passport.Fail("", http.StatusForbidden),
				passport.Fail("", http.StatusBadRequest),
			},
			status: http.StatusForbidden,
			body:   "Forbidden\n",
		},
		{
			name: "first message",
			results: []passport.Result{
				passport.Fail("Bearer", 0),
				passport.FailWithInfo(&passport.Info{Message: "token expired"}, 0),
				passport.FailWithInfo(&passport.Info{Message: "bad password"}, 0),
			},
			status:     http.StatusUnauthorized,
			challenges: []string{"Bearer"},
			body:       "token expired\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			names := []string{"a", "b", "c"}
			var strategies []*counter
			for i, res := range tt.results {
				strategies = append(strategies, f.use(names[i], res))
			}
			f.protect("/", f.auth.Authenticate(names...))

			resp := f.get("/")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.challenges, resp.Header.Values("WWW-Authenticate"))
			assert.Equal(t, tt.body, resp.body)
			for i, s := range strategies {
				assert.Equal(t, int32(1), s.calls.Load(), "strategy %s", names[i])
			}
		})
	}
}

func TestChainMissingDoesNotDecide(t *testing.T) {
	tests := []struct {
		name    string
		results []passport.Result
		status  int
		body    string
	}{
		{
			name: "missing first",
			results: []passport.Result{
				passport.Missing(`Bearer realm="api"`, http.StatusBadRequest, &passport.Info{Message: "missing token"}),
				passport.FailWithInfo(&passport.Info{Message: "invalid password"}, http.StatusForbidden),
			},
			status: http.StatusForbidden,
			body:   "invalid password\n",
		},
		{
			name: "rejection without status",
			results: []passport.Result{
				passport.Missing(`Bearer realm="api"`, http.StatusBadRequest, &passport.Info{Message: "missing token"}),
				passport.Fail(`Basic realm="api"`, 0),
			},
			status: http.StatusUnauthorized,
			body:   "Unauthorized\n",
		},
		{
			name: "missing last",
			results: []passport.Result{
				passport.FailWithInfo(&passport.Info{Message: "invalid password"}, 0),
				passport.Missing("", http.StatusBadRequest, &passport.Info{Message: "missing token"}),
			},
			status: http.StatusUnauthorized,
			body:   "invalid password\n",
		},
		{
			name: "all missing",
			results: []passport.Result{
				passport.Missing(`Bearer realm="api"`, 0, nil),
				passport.Missing("", http.StatusBadRequest, &passport.Info{Message: "missing username"}),
			},
			status: http.StatusBadRequest,
			body:   "missing username\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.use("a", tt.results[0])
			f.use("b", tt.results[1])
			f.protect("/", f.auth.Authenticate("a", "b"))

			resp := f.get("/")
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.body, resp.body)
		})
	}
}

func TestChainMissingKeepsChallenge(t *testing.T) {
	f := newFixture(t)
	f.use("bearer", passport.Missing(`Bearer realm="api"`, 0, nil))
	f.use("basic", passport.Fail(`Basic realm="api"`, 0))
	f.protect("/", f.auth.Authenticate("bearer", "basic"))

	resp := f.get("/")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, []string{`Bearer realm="api"`, `Basic realm="api"`}, resp.Header.Values("WWW-Authenticate"))
}

func TestChainRedirectEnds(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Fail("Bearer", 0))
	f.use("b", passport.Redirect("/authorize", 0))
	c := f.use("c", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/", f.auth.Authenticate("a", "b", "c"))

	resp := f.get("/")
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/authorize", resp.Header.Get("Location"))
	assert.Empty(t, resp.Header.Values("WWW-Authenticate"))
	assert.Equal(t, int32(0), c.calls.Load())
}

func TestChainErrorEnds(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Fail("Bearer", 0))
	f.use("b", passport.Error(errors.New("database down")))
	c := f.use("c", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/", f.auth.Authenticate("a", "b", "c"))

	resp := f.get("/")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.NotContains(t, resp.body, "database")
	assert.Empty(t, resp.Header.Values("WWW-Authenticate"))
	assert.Equal(t, int32(0), c.calls.Load())
}

func TestChainPassEnds(t *testing.T) {
	f := newFixture(t)
	f.use("a", passport.Fail("Bearer", 0))
	f.use("b", passport.Pass())
	c := f.use("c", passport.Success(&user{ID: "alice"}, nil))
	f.protect("/", f.auth.Authenticate("a", "b", "c"))

	resp := f.get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "user=- auth=false", resp.body)
	assert.Equal(t, int32(0), c.calls.Load())
}
