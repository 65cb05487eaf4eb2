package refresh

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mustEncode returns the stored form of rec.
func mustEncode(t testing.TB, rec *record) []byte {
	t.Helper()
	b, err := encodeRecord(rec)
	require.NoError(t, err)
	return b
}

func profileRecord() *record {
	return &record{Version: 1, User: &User{Name: "alice", Profile: map[string]any{
		"sub": "alice", "groups": []any{"admin", map[string]any{"team": "blue"}},
	}}, Ticket: fullTicket()}
}

// count returns the number of records the cache holds.
func (c *recordCache) count() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].entries)
		c.shards[i].mu.RUnlock()
	}
	return n
}

// TestCacheHit checks that a second decode of the same bytes returns an
// equal record that shares nothing mutable with the first.
func TestCacheHit(t *testing.T) {
	var cache recordCache
	b := mustEncode(t, profileRecord())
	want, err := decodeRecord(b)
	require.NoError(t, err)

	first, err := cache.decode("id", b)
	require.NoError(t, err)
	second, err := cache.decode("id", b)
	require.NoError(t, err)
	assert.Equal(t, want, first)
	assert.Equal(t, want, second)
	assert.Equal(t, 1, cache.count())

	assert.NotSame(t, first, second)
	assert.NotSame(t, first.User, second.User)
	assert.NotSame(t, first.Ticket, second.Ticket)

	first.Version = 9
	first.User.Name = "mallory"
	first.User.Profile["sub"] = "mallory"
	first.User.Profile["groups"].([]any)[1].(map[string]any)["team"] = "red"
	first.Ticket.AccessToken = "stolen"
	third, err := cache.decode("id", b)
	require.NoError(t, err)
	assert.Equal(t, want, third, "changes to a returned record must not reach the cache")
}

// TestCacheChangedBytes checks that new bytes for a ticket, such as those
// of a refresh, replace its entry.
func TestCacheChangedBytes(t *testing.T) {
	var cache recordCache
	old := profileRecord()
	_, err := cache.decode("id", mustEncode(t, old))
	require.NoError(t, err)

	refreshed := profileRecord()
	refreshed.Version = 2
	refreshed.Ticket.AccessToken = "access-2"
	rec, err := cache.decode("id", mustEncode(t, refreshed))
	require.NoError(t, err)
	assert.Equal(t, int64(2), rec.Version)
	assert.Equal(t, "access-2", rec.Ticket.AccessToken)
	assert.Equal(t, 1, cache.count())
}

// TestCacheEnded checks that an ended ticket, and bytes that do not
// decode, remove the entry.
func TestCacheEnded(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{name: "logged out", data: mustEncode(t, &record{LoggedOut: true})},
		{name: "no ticket", data: mustEncode(t, &record{Version: 1, User: &User{Name: "alice"}})},
		{name: "invalid", data: []byte{recordFormat, 0}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cache recordCache
			_, err := cache.decode("id", mustEncode(t, profileRecord()))
			require.NoError(t, err)

			rec, err := cache.decode("id", tt.data)
			if tt.wantErr {
				assert.ErrorContains(t, err, "refresh: cannot decode ticket")
				assert.Nil(t, rec)
			} else {
				assert.NoError(t, err)
				assert.NotNil(t, rec)
			}
			assert.Zero(t, cache.count())
		})
	}
}

// TestCacheJSON checks that records in the JSON form of earlier versions
// are cached too.
func TestCacheJSON(t *testing.T) {
	var cache recordCache
	legacy := []byte(`{"v":1,"u":{"name":"alice","profile":{"sub":"alice"}},"t":{"AccessToken":"a"}}`)
	for range 2 {
		rec, err := cache.decode("id", legacy)
		require.NoError(t, err)
		assert.Equal(t, "alice", rec.User.Profile["sub"])
		assert.Equal(t, "a", rec.Ticket.AccessToken)
	}
	assert.Equal(t, 1, cache.count())
}

// TestCacheBound checks that the cache keeps at most maxCachedRecords.
func TestCacheBound(t *testing.T) {
	var cache recordCache
	b := mustEncode(t, profileRecord())
	for i := range 3 * maxCachedRecords {
		_, err := cache.decode(fmt.Sprint("id-", i), b)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, cache.count(), maxCachedRecords)
	assert.Greater(t, cache.count(), maxCachedRecords/2)
}

// TestCacheConcurrent decodes and changes the returned records of a few
// tickets from many goroutines, for the race detector.
func TestCacheConcurrent(t *testing.T) {
	var cache recordCache
	versions := [][]byte{mustEncode(t, profileRecord()), mustEncode(t, &record{Version: 2, User: &User{Name: "bob"}, Ticket: fullTicket()})}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				b := versions[(g+i)%2]
				rec, err := cache.decode(fmt.Sprint("id-", i%3), b)
				if !assert.NoError(t, err) {
					return
				}
				rec.User.Name = "changed"
				if rec.User.Profile != nil {
					rec.User.Profile["sub"] = "changed"
				}
			}
		})
	}
	wg.Wait()
	rec, err := cache.decode("id-0", versions[0])
	require.NoError(t, err)
	assert.Equal(t, "alice", rec.User.Name)
	assert.Equal(t, "alice", rec.User.Profile["sub"])
}

// BenchmarkRecordDecode compares decoding a stored record in the JSON form
// of earlier versions (json), in the binary form (decode) and through the
// cache (cached), for a password login and for a code-flow login with an
// OpenID Connect profile.
func BenchmarkRecordDecode(b *testing.B) {
	oidc := &record{Version: 1, User: &User{Name: "j.doe", Profile: map[string]any{
		"sub": "248289761001", "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe",
		"preferred_username": "j.doe", "email": "janedoe@example.com", "email_verified": true,
		"picture": "http://example.com/janedoe/me.jpg",
	}}, Ticket: fullTicket()}
	for _, tc := range []struct {
		name string
		rec  *record
	}{
		{name: "password", rec: &record{Version: 1, User: &User{Name: "alice"}, Ticket: fullTicket()}},
		{name: "oidc-profile", rec: oidc},
	} {
		legacy, err := json.Marshal(tc.rec)
		require.NoError(b, err)
		b.Run(tc.name+"/json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeRecord(legacy); err != nil {
					b.Fatal(err)
				}
			}
		})
		data := mustEncode(b, tc.rec)
		b.Run(tc.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeRecord(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/cached", func(b *testing.B) {
			var cache recordCache
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cache.decode("id", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
