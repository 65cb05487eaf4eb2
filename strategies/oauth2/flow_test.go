package oauth2

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mapSession is an in-memory passport.Session for one user.
type mapSession map[string]any

func (m mapSession) Get(_ context.Context, key string) any      { return m[key] }
func (m mapSession) Put(_ context.Context, key string, val any) { m[key] = val }
func (m mapSession) Remove(_ context.Context, key string)       { delete(m, key) }
func (m mapSession) Exists(_ context.Context, key string) bool {
	_, ok := m[key]
	return ok
}
func (m mapSession) RenewToken(context.Context) error { return nil }
func (m mapSession) Destroy(context.Context) error    { clear(m); return nil }

func newFlowStrategy(c *clock, maxPending int) *Strategy {
	cfg := validConfig()
	cfg.Now = c.Now
	cfg.MaxPendingFlows = maxPending
	cfg.SessionKey = "flows"
	return New(cfg, acceptAll)
}

func testFlow(c *clock) flow {
	return flow{RedirectURL: "https://app.example/cb", Verifier: "v", Created: c.Now(), Expires: c.Now().Add(time.Minute)}
}

func TestFlowStoredAsString(t *testing.T) {
	c := newClock()
	s := newFlowStrategy(c, 10)
	session := mapSession{}
	s.addFlow(context.Background(), session, "state-1", testFlow(c))

	raw, ok := session["flows"].(string)
	require.True(t, ok, "the session value is a string")
	var decoded map[string]flow
	require.NoError(t, json.Unmarshal([]byte(raw), &decoded))
	assert.Equal(t, "v", decoded["state-1"].Verifier)
	assert.Equal(t, "https://app.example/cb", decoded["state-1"].RedirectURL)
}

func TestFlowTakeOnce(t *testing.T) {
	c := newClock()
	s := newFlowStrategy(c, 10)
	session := mapSession{}
	ctx := context.Background()
	s.addFlow(ctx, session, "state-1", testFlow(c))
	s.addFlow(ctx, session, "state-2", testFlow(c))

	got, ok := s.takeFlow(ctx, session, "state-1")
	assert.True(t, ok)
	assert.Equal(t, "v", got.Verifier)
	_, ok = s.takeFlow(ctx, session, "state-1")
	assert.False(t, ok, "second use")
	_, ok = s.takeFlow(ctx, session, "state-2")
	assert.True(t, ok)
	assert.NotContains(t, session, "flows", "empty flows remove the key")
}

func TestFlowTakeRejects(t *testing.T) {
	tests := []struct {
		name    string
		session mapSession
		state   string
		advance time.Duration
	}{
		{name: "empty state", state: ""},
		{name: "unknown state", state: "other"},
		{name: "expired", state: "state-1", advance: time.Minute},
		{name: "corrupt value", session: mapSession{"flows": "{not json"}, state: "state-1"},
		{name: "wrong type", session: mapSession{"flows": 42}, state: "state-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := newFlowStrategy(c, 10)
			session := tt.session
			if session == nil {
				session = mapSession{}
				s.addFlow(context.Background(), session, "state-1", testFlow(c))
			}
			c.Advance(tt.advance)
			_, ok := s.takeFlow(context.Background(), session, tt.state)

			assert.False(t, ok)
		})
	}
}

func TestFlowAddPrunes(t *testing.T) {
	c := newClock()
	s := newFlowStrategy(c, 2)
	session := mapSession{}
	ctx := context.Background()
	expired := testFlow(c)
	expired.Expires = c.Now().Add(time.Second)
	s.addFlow(ctx, session, "expired", expired)
	c.Advance(time.Second)
	for _, state := range []string{"old", "middle", "new"} {
		s.addFlow(ctx, session, state, testFlow(c))
		c.Advance(time.Millisecond)
	}

	flows := s.loadFlows(ctx, session)
	assert.Len(t, flows, 2)
	assert.NotContains(t, flows, "expired")
	assert.NotContains(t, flows, "old")
	assert.Contains(t, flows, "middle")
	assert.Contains(t, flows, "new")
}

func TestFlowKeepNewestTies(t *testing.T) {
	f := flows{"b": {Created: testNow}, "a": {Created: testNow}, "c": {Created: testNow}}
	f.keepNewest(2)

	assert.Equal(t, flows{"b": {Created: testNow}, "c": {Created: testNow}}, f)
}
