package refresh

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
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

// record is the Store's entry for one ticket. Version grows with each
// refresh. LoggedOut marks a ticket ended by a logout, kept until it expires
// so that a refresh finishing after the logout does not bring it back.
type record struct {
	Version   int64   `json:"v"`
	User      *User   `json:"u,omitempty"`
	Ticket    *Ticket `json:"t,omitempty"`
	LoggedOut bool    `json:"x,omitempty"`
}

// recordFormat is the first byte of a record in the binary form that
// encodeRecord writes. Records that earlier versions wrote are JSON objects,
// which start with '{' or white space, and decodeRecord still reads them.
// NOTE: earlier versions cannot read the binary form, so instances of an
// earlier version that share the Store fail on tickets written by this one.
const recordFormat byte = 0x01

// Flags of a binary record.
const (
	flagLoggedOut = 1 << iota
	flagUser
	flagProfile
	flagTicket
	flagExpiresInMissing

	knownFlags = flagExpiresInMissing<<1 - 1
)

// encodeRecord returns the binary form of rec. It is, in order:
//
//	recordFormat
//	Version                    varint
//	flags                      uvarint
//	User.Name                  if flagUser
//	User.Profile as JSON       if flagProfile
//	AccessToken, RefreshToken, TokenType, Scope, IDToken,
//	IssuedAt, Expiry, RefreshedAt  if flagTicket
//
// Each string is its uvarint length and its bytes, and appendTime writes
// the times. Without field names and with times as integers, a refreshed
// ticket of user "alice" with a 33-byte scope takes 80 bytes besides its
// tokens, where the JSON form of earlier versions took 305. Decoding it
// needs no reflection either.
func encodeRecord(rec *record) ([]byte, error) {
	flags := recordFlags(rec)
	b := make([]byte, 0, recordSize(rec))
	b = append(b, recordFormat)
	b = binary.AppendVarint(b, rec.Version)
	b = binary.AppendUvarint(b, flags)
	if rec.User != nil {
		b = appendString(b, rec.User.Name)
	}
	if flags&flagProfile != 0 {
		profile, err := json.Marshal(rec.User.Profile)
		if err != nil {
			return nil, fmt.Errorf("refresh: cannot encode ticket: %w", err)
		}
		b = appendString(b, string(profile))
	}
	if t := rec.Ticket; t != nil {
		b = appendString(b, t.AccessToken)
		b = appendString(b, t.RefreshToken)
		b = appendString(b, t.TokenType)
		b = appendString(b, t.Scope)
		b = appendString(b, t.IDToken)
		b = appendTime(b, t.IssuedAt, 0)
		base := baseSeconds(t.IssuedAt)
		b = appendTime(b, t.Expiry, base)
		b = appendTime(b, t.RefreshedAt, base)
	}
	return b, nil
}

func recordFlags(rec *record) uint64 {
	var flags uint64
	if rec.LoggedOut {
		flags |= flagLoggedOut
	}
	if rec.User != nil {
		flags |= flagUser
		// As with the omitempty of JSON, an empty profile decodes as nil.
		if len(rec.User.Profile) > 0 {
			flags |= flagProfile
		}
	}
	if rec.Ticket != nil {
		flags |= flagTicket
		if rec.Ticket.ExpiresInMissing {
			flags |= flagExpiresInMissing
		}
	}
	return flags
}

// recordSize estimates the length of the binary form of rec, profile
// aside, so that encodeRecord allocates once.
func recordSize(rec *record) int {
	n := 16
	if rec.User != nil {
		n += len(rec.User.Name) + binary.MaxVarintLen64
	}
	if t := rec.Ticket; t != nil {
		n += len(t.AccessToken) + len(t.RefreshToken) + len(t.TokenType) + len(t.Scope) + len(t.IDToken)
		n += 5*binary.MaxVarintLen64 + 3*maxTimeLen
	}
	return n
}

// maxTimeLen is the maximum length of a time that appendTime writes.
const maxTimeLen = 4 * binary.MaxVarintLen64

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTime appends t as the uvarint 0 for the zero time, else as a kind,
// the seconds since base and the nanoseconds. The kind is the uvarint 1
// for a zero UTC offset, or 2 followed by the offset in seconds as a
// varint. The seconds are t.Unix() - base as a varint, and the
// nanoseconds t.Nanosecond() as a uvarint. Like JSON, it keeps the UTC
// offset but not the name of the location, nor a monotonic clock reading.
func appendTime(b []byte, t time.Time, base int64) []byte {
	if t.IsZero() {
		return binary.AppendUvarint(b, 0)
	}
	if _, offset := t.Zone(); offset == 0 {
		b = binary.AppendUvarint(b, 1)
	} else {
		b = binary.AppendUvarint(b, 2)
		b = binary.AppendVarint(b, int64(offset))
	}
	b = binary.AppendVarint(b, t.Unix()-base)
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// baseSeconds is the base of the times of a ticket after IssuedAt, which
// lie close to it, so that their seconds since the base are short.
func baseSeconds(issuedAt time.Time) int64 {
	if issuedAt.IsZero() {
		return 0
	}
	return issuedAt.Unix()
}

// decodeRecord reads a record that encodeRecord wrote, or the JSON form of
// earlier versions.
func decodeRecord(b []byte) (*record, error) {
	return decodeRecordData(b, "")
}

// decodeRecordData is decodeRecord with a string copy of b, which the
// strings of a binary record then share. An empty data makes the copy.
func decodeRecordData(b []byte, data string) (*record, error) {
	if len(b) > 0 && b[0] == recordFormat {
		if data == "" {
			data = string(b)
		}
		rec, err := decodeBinaryRecord(b, data)
		if err != nil {
			return nil, fmt.Errorf("refresh: cannot decode ticket: %w", err)
		}
		return rec, nil
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("refresh: cannot decode ticket: %w", err)
	}
	return &rec, nil
}

// decodedRecord holds a record with its user and ticket, so that decoding
// allocates them at once.
type decodedRecord struct {
	record record
	user   User
	ticket Ticket
}

func decodeBinaryRecord(b []byte, data string) (*record, error) {
	r := &recordReader{b: b, s: data, pos: 1}
	decoded := &decodedRecord{}
	rec := &decoded.record
	rec.Version = r.varint()
	flags := r.uvarint()
	if flags&^knownFlags != 0 || (flags&flagProfile != 0 && flags&flagUser == 0) {
		return nil, fmt.Errorf("invalid flags %#x", flags)
	}
	rec.LoggedOut = flags&flagLoggedOut != 0
	if flags&flagUser != 0 {
		rec.User = &decoded.user
		rec.User.Name = r.string()
	}
	if flags&flagProfile != 0 {
		if err := json.Unmarshal(r.bytes(), &rec.User.Profile); err != nil && r.err == nil {
			return nil, fmt.Errorf("invalid profile: %w", err)
		}
	}
	if flags&flagTicket != 0 {
		rec.Ticket = &decoded.ticket
		r.ticket(rec.Ticket)
		rec.Ticket.ExpiresInMissing = flags&flagExpiresInMissing != 0
	}
	return rec, r.finish()
}

// recordReader reads the fields of a binary record. The strings it returns
// share one copy of the record. After the first error, every read returns
// a zero value and finish returns the error.
type recordReader struct {
	b   []byte
	s   string
	pos int
	err error
}

var errTruncatedRecord = errors.New("truncated or invalid record")

func (r *recordReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		r.err = errTruncatedRecord
		return 0
	}
	r.pos += n
	return v
}

func (r *recordReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		r.err = errTruncatedRecord
		return 0
	}
	r.pos += n
	return v
}

// span returns the start and end of the next length-prefixed field.
func (r *recordReader) span() (start, end int) {
	size := r.uvarint()
	if r.err != nil || size > uint64(len(r.b)-r.pos) {
		r.err = errTruncatedRecord
		return r.pos, r.pos
	}
	start, r.pos = r.pos, r.pos+int(size)
	return start, r.pos
}

func (r *recordReader) string() string {
	start, end := r.span()
	return r.s[start:end]
}

func (r *recordReader) bytes() []byte {
	start, end := r.span()
	return r.b[start:end]
}

// ticket reads the strings and times of a ticket into t.
func (r *recordReader) ticket(t *Ticket) {
	t.AccessToken = r.string()
	t.RefreshToken = r.string()
	t.TokenType = r.string()
	t.Scope = r.string()
	t.IDToken = r.string()
	t.IssuedAt = r.time(0)
	base := baseSeconds(t.IssuedAt)
	t.Expiry = r.time(base)
	t.RefreshedAt = r.time(base)
}

// time reads what appendTime wrote. Like encoding/json, it gives a time
// with a zero offset the location UTC, and one with another offset Local
// if Local has that offset at that time, else a fixed zone.
func (r *recordReader) time(base int64) time.Time {
	var offset int64
	switch kind := r.uvarint(); kind {
	case 0:
		return time.Time{}
	case 1:
	case 2:
		offset = r.varint()
	default:
		r.err = errTruncatedRecord
	}
	seconds, nanoseconds := r.varint(), r.uvarint()
	if r.err != nil || nanoseconds >= uint64(time.Second) || offset != int64(int32(offset)) {
		r.err = errTruncatedRecord
		return time.Time{}
	}
	t := time.Unix(base+seconds, int64(nanoseconds))
	if offset == 0 {
		return t.UTC()
	}
	if _, local := t.Zone(); int64(local) == offset {
		return t
	}
	return t.In(time.FixedZone("", int(offset)))
}

// finish returns the first read error, or an error when bytes are left.
func (r *recordReader) finish() error {
	if r.err == nil && r.pos != len(r.b) {
		r.err = errTruncatedRecord
	}
	return r.err
}

// newTicketID returns a random ticket ID of 128 bits.
func newTicketID() string {
	b := make([]byte, 16)
	// Since Go 1.24, crypto/rand.Read crashes the program instead of
	// returning an error.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// storeKey is the key of a ticket in the Store. It contains a non-ASCII
// character (U+00B7), which net/http never accepts in a cookie value, so a
// forged session cookie can never make the session manager load a ticket
// record as session data.
func storeKey(id string) string { return "passport\u00b7refresh:" + id }
