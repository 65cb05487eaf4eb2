package refresh

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-passport/passport/passport"
)

// User is the user that the refresh strategy logs in: the username of a
// password-grant login, or the name taken from the profile of a code-flow
// login.
type User struct {
	// Name is the username, or the profile's preferred_username, name,
	// sub, username or user field, in that order.
	Name string `json:"name"`
	// Profile is the profile that the OAuth2 strategy's ProfileLoader
	// returned, when it is a JSON object.
	Profile map[string]any `json:"profile,omitempty"`

	// ticketID is the ticket of a login that has not reached the session
	// yet; Strategy.Login puts it there.
	ticketID string
}

// userFromProfile builds a User from a code-flow profile.
func userFromProfile(profile any) *User {
	u := &User{}
	switch p := profile.(type) {
	case map[string]any:
		u.Profile = p
	case nil:
		return u
	default:
		b, err := json.Marshal(p)
		if err != nil || json.Unmarshal(b, &u.Profile) != nil {
			return u
		}
	}
	for _, key := range []string{"preferred_username", "name", "sub", "username", "user"} {
		if name, ok := u.Profile[key].(string); ok && name != "" {
			u.Name = name
			break
		}
	}
	return u
}

// SerializeUser is a [passport.SerializeFunc] for [*User]: it keeps the
// user's name in the session as JSON, such as {"name":"alice"}. The profile
// stays with the ticket, where the refresh strategy restores it from, so the
// session does not hold it twice. A user restored by the "session" strategy
// alone has no profile. Other users are passed to the next serializer.
// Register it with auth.SerializeUser(refresh.SerializeUser).
func SerializeUser(_ context.Context, user any) (string, error) {
	u, ok := user.(*User)
	if !ok {
		return "", passport.ErrPass
	}
	b, err := json.Marshal(User{Name: u.Name})
	if err != nil {
		return "", fmt.Errorf("refresh: cannot serialize user: %w", err)
	}
	return string(b), nil
}

// DeserializeUser is the [passport.DeserializeFunc] that reverses
// [SerializeUser]. Strings that are not a serialized [*User], JSON objects
// with other fields included, are passed to the next deserializer.
func DeserializeUser(_ context.Context, id string) (any, error) {
	if len(id) == 0 || id[0] != '{' {
		return nil, passport.ErrPass
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(id), &fields); err != nil || !isSerializedUser(fields) {
		return nil, passport.ErrPass
	}
	var u User
	if err := json.Unmarshal([]byte(id), &u); err != nil {
		return nil, passport.ErrPass
	}
	return &u, nil
}

// isSerializedUser reports whether fields are those that SerializeUser
// writes: always "name", and "profile" when the user has one.
func isSerializedUser(fields map[string]json.RawMessage) bool {
	if _, ok := fields["name"]; !ok {
		return false
	}
	for key := range fields {
		if key != "name" && key != "profile" {
			return false
		}
	}
	return true
}
