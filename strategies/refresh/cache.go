package refresh

import (
	"hash/maphash"
	"sync"
)

// maxCachedRecords bounds the number of records a recordCache keeps. At
// about 1.5 KiB per record with an ID token, it holds at most some 6 MiB.
// NOTE: the bound is fixed, so with more active tickets some are decoded
// again on later requests.
const maxCachedRecords = 4096

// cacheShards is the number of independently locked parts of a
// recordCache, so that requests of different tickets rarely wait on one
// lock.
const cacheShards = 32

// recordCache keeps the last decoded record of each ticket, keyed by ticket
// ID, with the stored bytes it was decoded from. A lookup whose bytes equal
// the kept ones returns a copy of the decoded record without decoding.
// Other bytes, such as those of a refreshed or ended ticket, are decoded
// and replace the entry. Because every hit is checked against the bytes
// just read from the Store, the cache never returns a record that the
// Store no longer contains, whichever process wrote it.
//
// It saves the decoding of the profile of code-flow users, a JSON object,
// on every request. The zero value is ready to use; it is safe for
// concurrent use.
type recordCache struct {
	seed   maphash.Seed
	once   sync.Once
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[string]*cachedRecord
}

// cachedRecord is a decoded record and the bytes it was decoded from. The
// strings of a binary record share data. Neither is changed once cached.
type cachedRecord struct {
	data    string
	decoded decodedRecord
}

// decode returns the record that the bytes b of ticket id hold, as
// decodeRecord does. The record is the caller's own: changing it, its user
// or its ticket does not change the cache.
func (c *recordCache) decode(id string, b []byte) (*record, error) {
	shard := c.shard(id)
	shard.mu.RLock()
	entry := shard.entries[id]
	shard.mu.RUnlock()
	if entry != nil && entry.data == string(b) {
		return entry.copy(), nil
	}

	data := string(b)
	rec, err := decodeRecordData(b, data)
	if err != nil || rec.LoggedOut || rec.Ticket == nil {
		// Nothing to serve from an ended ticket: drop its entry.
		shard.remove(id)
		return rec, err
	}
	entry = newCachedRecord(data, rec)
	shard.put(id, entry)
	return entry.copy(), nil
}

func (c *recordCache) shard(id string) *cacheShard {
	c.once.Do(func() { c.seed = maphash.MakeSeed() })
	return &c.shards[maphash.String(c.seed, id)%cacheShards]
}

func (s *cacheShard) put(id string, entry *cachedRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = make(map[string]*cachedRecord)
	}
	if _, ok := s.entries[id]; !ok && len(s.entries) >= maxCachedRecords/cacheShards {
		// Evict an arbitrary entry: map iteration starts at a random one.
		for victim := range s.entries {
			delete(s.entries, victim)
			break
		}
	}
	s.entries[id] = entry
}

func (s *cacheShard) remove(id string) {
	s.mu.Lock()
	delete(s.entries, id)
	s.mu.Unlock()
}

// newCachedRecord returns the entry for rec, decoded from data. It keeps
// rec's user and ticket by value.
func newCachedRecord(data string, rec *record) *cachedRecord {
	entry := &cachedRecord{data: data}
	entry.decoded.record = *rec
	if rec.User != nil {
		entry.decoded.user = *rec.User
	}
	if rec.Ticket != nil {
		entry.decoded.ticket = *rec.Ticket
	}
	return entry
}

// copy returns a record equal to the cached one that shares nothing
// mutable with it: the user, the ticket and the profile are copied, and
// only the immutable strings are shared.
func (e *cachedRecord) copy() *record {
	d := new(decodedRecord)
	*d = e.decoded
	if d.record.User != nil {
		d.record.User = &d.user
		if d.user.Profile != nil {
			d.user.Profile = copyJSONObject(d.user.Profile)
		}
	}
	if d.record.Ticket != nil {
		d.record.Ticket = &d.ticket
	}
	return &d.record
}

// copyJSONObject returns a deep copy of a JSON object that encoding/json
// decoded: nested objects and arrays are copied, and strings, numbers,
// booleans and nulls, which are immutable, are shared.
func copyJSONObject(object map[string]any) map[string]any {
	copied := make(map[string]any, len(object))
	for key, value := range object {
		copied[key] = copyJSONValue(value)
	}
	return copied
}

func copyJSONValue(value any) any {
	switch v := value.(type) {
	case map[string]any:
		return copyJSONObject(v)
	case []any:
		copied := make([]any, len(v))
		for i, element := range v {
			copied[i] = copyJSONValue(element)
		}
		return copied
	}
	return value
}
