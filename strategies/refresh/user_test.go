package refresh_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/refresh"
)

// TestSerializeUserRoundTrip checks that DeserializeUser restores what
// SerializeUser stored.
func TestSerializeUserRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		user *refresh.User
	}{
		{name: "name only", user: &refresh.User{Name: "alice"}},
		{name: "empty name", user: &refresh.User{}},
		{name: "profile", user: &refresh.User{Name: "carol", Profile: map[string]any{
			"sub": "u-7", "email_verified": true, "groups": []any{"admin"},
		}}},
		{name: "name with quotes", user: &refresh.User{Name: `o"brien {x}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := refresh.SerializeUser(context.Background(), tt.user)
			require.NoError(t, err)

			user, err := refresh.DeserializeUser(context.Background(), id)
			require.NoError(t, err)
			// The profile stays with the ticket, not in the session.
			assert.Equal(t, &refresh.User{Name: tt.user.Name}, user)
			assert.NotContains(t, id, "profile")
		})
	}
}

// TestSerializeUserPasses checks that users of other types go to the next
// serializer.
func TestSerializeUserPasses(t *testing.T) {
	for _, user := range []any{nil, "alice", refresh.User{Name: "alice"}, struct{ Name string }{"alice"}} {
		id, err := refresh.SerializeUser(context.Background(), user)
		assert.ErrorIs(t, err, passport.ErrPass, "user %#v", user)
		assert.Empty(t, id)
	}
}

// TestDeserializeUserPasses checks that strings that SerializeUser did not
// write go to the next deserializer.
func TestDeserializeUserPasses(t *testing.T) {
	tests := []struct {
		name string
		id   string
	}{
		{name: "empty", id: ""},
		{name: "plain ID", id: "alice"},
		{name: "number", id: "42"},
		{name: "broken JSON", id: `{"name":`},
		{name: "JSON array", id: `["alice"]`},
		{name: "other JSON object", id: `{"id":42,"role":"admin"}`},
		{name: "name of wrong type", id: `{"name":42}`},
		{name: "trailing data", id: `{"name":"alice"} x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := refresh.DeserializeUser(context.Background(), tt.id)
			assert.ErrorIs(t, err, passport.ErrPass)
			assert.Nil(t, user)
		})
	}
}

// TestStoredValuesAreStrings checks that a login stores only strings in
// the session, which scs's gob codec encodes without gob.Register, and no
// token.
func TestStoredValuesAreStrings(t *testing.T) {
	a := newApp(t)
	a.mustLogin()

	res := a.get("/keys")
	lines := strings.Split(strings.TrimSpace(res.body), "\n")
	require.Len(t, lines, 2, "session: %s", res.body)
	for _, line := range lines {
		fields := strings.SplitN(line, " ", 3)
		require.Len(t, fields, 3, "line %q", line)
		assert.Equal(t, "string", fields[1], "type of %s", fields[0])
	}
	assert.True(t, strings.HasPrefix(lines[0], passport.SessionUserKey+` string {"name":"alice"`), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "ticket string "), lines[1])
	assert.NotContains(t, res.body, "access-1")
	assert.NotContains(t, res.body, "refresh-1")
}
