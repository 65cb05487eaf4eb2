package refresh

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var recordTime = time.Date(2021, 6, 1, 12, 0, 0, 123456789, time.UTC)

// fullTicket returns a ticket with every field set.
func fullTicket() *Ticket {
	return &Ticket{
		AccessToken:      "access",
		RefreshToken:     "refresh",
		TokenType:        "Bearer",
		Expiry:           recordTime.Add(time.Hour + 7),
		Scope:            "openid profile",
		IDToken:          "eyJhbGciOiJSUzI1NiJ9.e30.sig",
		IssuedAt:         recordTime,
		RefreshedAt:      recordTime.Add(-time.Minute),
		ExpiresInMissing: true,
	}
}

// jsonRoundTrip returns rec after the JSON encoding that records had
// before the binary form, which the binary form must match.
func jsonRoundTrip(t *testing.T, rec *record) *record {
	t.Helper()
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	var decoded record
	require.NoError(t, json.Unmarshal(b, &decoded))
	return &decoded
}

// TestRecordRoundTrip checks that a record decodes as it did when records
// were JSON.
func TestRecordRoundTrip(t *testing.T) {
	zone := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		name string
		rec  *record
	}{
		{name: "password login", rec: &record{Version: 1, User: &User{Name: "alice"}, Ticket: fullTicket()}},
		{name: "profile", rec: &record{Version: 3, User: &User{Name: "bob", Profile: map[string]any{
			"sub": "bob", "age": 42.5, "admin": true, "groups": []any{"a", "b"}, "address": map[string]any{"city": "Oslo"}, "none": nil,
		}}, Ticket: fullTicket()}},
		{name: "empty profile", rec: &record{Version: 1, User: &User{Name: "carol", Profile: map[string]any{}}, Ticket: fullTicket()}},
		{name: "logged out", rec: &record{LoggedOut: true}},
		{name: "no user", rec: &record{Version: 2, Ticket: fullTicket()}},
		{name: "empty user and ticket", rec: &record{User: &User{}, Ticket: &Ticket{}}},
		{name: "negative version", rec: &record{Version: -5}},
		{name: "zero times", rec: &record{Version: 1, Ticket: &Ticket{AccessToken: "a", Expiry: recordTime}}},
		{name: "fixed zone", rec: &record{Version: 1, Ticket: &Ticket{
			AccessToken: "a", IssuedAt: recordTime.In(zone), Expiry: recordTime.Add(time.Hour).In(zone),
		}}},
		{name: "before 1970", rec: &record{Version: 1, Ticket: &Ticket{
			IssuedAt: time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC), Expiry: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		}}},
		{name: "non-ASCII", rec: &record{Version: 1, User: &User{Name: "Zoë \u2603"}, Ticket: &Ticket{Scope: "ü\x00\xff"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeRecord(tt.rec)
			require.NoError(t, err)
			assert.Equal(t, recordFormat, b[0])
			decoded, err := decodeRecord(b)
			require.NoError(t, err)
			want := jsonRoundTrip(t, tt.rec)
			if tt.name == "non-ASCII" {
				// JSON replaces invalid UTF-8; the binary form keeps the bytes.
				want.Ticket.Scope = tt.rec.Ticket.Scope
			}
			assert.Equal(t, want, decoded)
		})
	}
}

// TestRecordFields fails when a field is added to record, User or Ticket,
// so that encodeRecord and decodeBinaryRecord are extended with it.
func TestRecordFields(t *testing.T) {
	assert.Equal(t, 4, reflect.TypeFor[record]().NumField(), "record")
	// User's unexported ticketID lives only until the login reaches the
	// session, so it is not stored.
	assert.Equal(t, 3, reflect.TypeFor[User]().NumField(), "User")
	assert.Equal(t, 9, reflect.TypeFor[Ticket]().NumField(), "Ticket")
}

// TestRecordJSON checks that records written as JSON by earlier versions
// still decode.
func TestRecordJSON(t *testing.T) {
	legacy := `{"v":2,"u":{"name":"alice"},"t":{"AccessToken":"a","RefreshToken":"r","TokenType":"Bearer",` +
		`"Expiry":"2021-06-01T13:00:00Z","Scope":"s","IDToken":"i","IssuedAt":"2021-06-01T12:00:00Z",` +
		`"RefreshedAt":"0001-01-01T00:00:00Z","ExpiresInMissing":false}}`
	rec, err := decodeRecord([]byte(legacy))
	require.NoError(t, err)
	assert.Equal(t, int64(2), rec.Version)
	assert.Equal(t, "alice", rec.User.Name)
	assert.Equal(t, "a", rec.Ticket.AccessToken)
	assert.Equal(t, "r", rec.Ticket.RefreshToken)
	assert.Equal(t, time.Date(2021, 6, 1, 13, 0, 0, 0, time.UTC), rec.Ticket.Expiry)

	rec, err = decodeRecord([]byte(` {"v":0,"x":true}`))
	require.NoError(t, err)
	assert.True(t, rec.LoggedOut)
}

// TestRecordInvalid checks that damaged records fail to decode.
func TestRecordInvalid(t *testing.T) {
	valid, err := encodeRecord(&record{Version: 1, User: &User{Name: "alice"}, Ticket: fullTicket()})
	require.NoError(t, err)
	withProfile, err := encodeRecord(&record{Version: 1, User: &User{Name: "a", Profile: map[string]any{"k": "v"}}})
	require.NoError(t, err)
	badProfile := append([]byte(nil), withProfile...)
	badProfile[len(badProfile)-2] = '!'

	tests := []struct {
		name string
		data []byte
	}{
		{name: "empty", data: nil},
		{name: "format only", data: []byte{recordFormat}},
		{name: "truncated", data: valid[:len(valid)-1]},
		{name: "trailing byte", data: append(append([]byte(nil), valid...), 0)},
		{name: "unknown flag", data: []byte{recordFormat, 0, 0x40}},
		{name: "profile without user", data: []byte{recordFormat, 0, flagProfile, 0}},
		{name: "string past end", data: []byte{recordFormat, 0, flagUser, 9, 'a'}},
		{name: "unknown time kind", data: append([]byte{recordFormat, 0, flagTicket, 0, 0, 0, 0, 0}, 7, 0, 0)},
		{name: "nanoseconds too large", data: append([]byte{recordFormat, 0, flagTicket, 0, 0, 0, 0, 0}, 1, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0, 0)},
		{name: "invalid profile", data: badProfile},
		{name: "not JSON", data: []byte("<html>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := decodeRecord(tt.data)
			assert.Nil(t, rec)
			assert.ErrorContains(t, err, "refresh: cannot decode ticket")
		})
	}
}

// TestRecordSize checks that the binary form of a ticket is small beside
// its tokens.
func TestRecordSize(t *testing.T) {
	ticket := fullTicket()
	ticket.IssuedAt = time.Now()
	ticket.Expiry = ticket.IssuedAt.Add(time.Hour)
	ticket.RefreshedAt = ticket.IssuedAt
	b, err := encodeRecord(&record{Version: 1, User: &User{Name: "alice"}, Ticket: ticket})
	require.NoError(t, err)
	tokens := len(ticket.AccessToken) + len(ticket.RefreshToken) + len(ticket.IDToken)
	other := len("alice") + len(ticket.TokenType) + len(ticket.Scope)
	assert.LessOrEqual(t, len(b)-tokens-other, 40)
}

// FuzzDecodeRecord checks that decodeRecord does not panic and that what
// it decodes encodes again to a record that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range []*record{
		{Version: 1, User: &User{Name: "alice"}, Ticket: fullTicket()},
		{Version: 2, User: &User{Name: "bob", Profile: map[string]any{"sub": "bob"}}},
		{LoggedOut: true},
	} {
		b, err := encodeRecord(rec)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"u":{"name":"alice"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeRecord(data)
		if err != nil {
			return
		}
		b, err := encodeRecord(rec)
		require.NoError(t, err)
		again, err := decodeRecord(b)
		require.NoError(t, err)
		assert.Equal(t, rec.Version, again.Version)
		assert.Equal(t, rec.LoggedOut, again.LoggedOut)
		assert.Equal(t, rec.Ticket == nil, again.Ticket == nil)
		if rec.Ticket != nil {
			assert.Equal(t, rec.Ticket.AccessToken, again.Ticket.AccessToken)
			assert.True(t, rec.Ticket.Expiry.Equal(again.Ticket.Expiry), "expiry")
		}
	})
}
