package refresh

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-passport/passport/strategies/oauth2"
)

// Ticket is a user's OAuth 2.0 token set, kept server-side. Its String,
// GoString and LogValue methods redact the tokens, so printing or logging a
// *Ticket does not leak them.
//
// NOTE: the methods have pointer receivers, so a Ticket value (not a
// pointer) prints with its fields, tokens included.
type Ticket struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	// Expiry is when the access token expires. When the token response had
	// no expires_in, or one of zero or less, it is the issue time plus
	// [Config.DefaultExpiresIn].
	Expiry time.Time
	// Scope is the granted scope, as the provider sent it.
	Scope string
	// IDToken is the OpenID Connect ID token, if the provider sent one.
	IDToken string
	// IssuedAt is when the current access token was obtained.
	IssuedAt time.Time
	// RefreshedAt is when the ticket was last refreshed; zero if never.
	RefreshedAt time.Time
	// ExpiresInMissing records that the provider sent no expires_in, or
	// one of zero or less.
	ExpiresInMissing bool
}

// String returns a description of t without its tokens.
func (t *Ticket) String() string {
	if t == nil {
		return "<nil ticket>"
	}
	return fmt.Sprintf("ticket{type=%s expiry=%s scope=%q}", t.TokenType, t.Expiry.Format(time.RFC3339), t.Scope)
}

// GoString returns [Ticket.String], so that %#v does not print the tokens
// either.
func (t *Ticket) GoString() string { return t.String() }

// LogValue implements slog.LogValuer without the tokens.
func (t *Ticket) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil ticket>")
	}
	return slog.GroupValue(
		slog.String("type", t.TokenType),
		slog.Time("expiry", t.Expiry),
		slog.String("scope", t.Scope),
	)
}

// Valid reports whether the access token has not expired at now.
func (t *Ticket) Valid(now time.Time) bool {
	return t != nil && t.AccessToken != "" && now.Before(t.Expiry)
}

// needsRefresh reports whether now is inside the refresh window of t. The
// window is cut to half of the token's lifetime, so a window longer than
// the lifetime does not refresh on every request.
func (t *Ticket) needsRefresh(now time.Time, window time.Duration) bool {
	if lifetime := t.Expiry.Sub(t.IssuedAt); lifetime > 0 && window > lifetime/2 {
		window = lifetime / 2
	}
	return !now.Before(t.Expiry.Add(-window))
}

// newTicket builds a ticket from a token response obtained at now.
func newTicket(tok *oauth2.Token, now time.Time, defaultExpiresIn time.Duration) *Ticket {
	t := &Ticket{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		TokenType:    tok.TokenType,
		Expiry:       tok.Expiry,
		Scope:        tok.Scope,
		IDToken:      tok.IDToken,
		IssuedAt:     now,
	}
	if t.Expiry.IsZero() || tok.ExpiresIn < 0 {
		// A negative expires_in would make every request refresh. The
		// oauth2 strategy leaves Expiry zero for an expires_in of 0.
		t.Expiry = now.Add(defaultExpiresIn)
		t.ExpiresInMissing = true
	}
	return t
}

// record is what the Store keeps for one ticket. Version grows with each
// refresh; LoggedOut marks a ticket ended by a logout, kept until it expires
// so that a refresh finishing after the logout does not bring it back.
type record struct {
	Version   int64   `json:"v"`
	User      *User   `json:"u,omitempty"`
	Ticket    *Ticket `json:"t,omitempty"`
	LoggedOut bool    `json:"x,omitempty"`
}

func encodeRecord(rec *record) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("refresh: cannot encode ticket: %w", err)
	}
	return b, nil
}

func decodeRecord(b []byte) (*record, error) {
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("refresh: cannot decode ticket: %w", err)
	}
	return &rec, nil
}

// newTicketID returns a random ticket ID of 128 bits.
func newTicketID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24.
	return base64.RawURLEncoding.EncodeToString(b)
}

// storeKey is the key of a ticket in the Store, apart from session tokens.
func storeKey(id string) string { return "passport.refresh:" + id }
