package refresh

import (
	"sync"
	"time"
)

// Store keeps ticket records by key. Its methods match scs.Store
// (github.com/alexedwards/scs/v2), so an scs session store, such as the
// memstore, redisstore or postgresstore, can keep tickets beside sessions.
// Implementations must be safe for concurrent use.
type Store interface {
	// Find returns the record of key; found is false for a missing or
	// expired record.
	Find(key string) (record []byte, found bool, err error)
	// Commit stores record under key until expiry.
	Commit(key string, record []byte, expiry time.Time) error
	// Delete removes the record of key; a missing key is no error.
	Delete(key string) error
}

// MemoryStore is an in-process [Store]. Expired records are dropped when
// read or overwritten; it starts no goroutine.
type MemoryStore struct {
	mu      sync.Mutex
	records map[string]memoryRecord
	commits int
	now     func() time.Time
}

type memoryRecord struct {
	data   []byte
	expiry time.Time
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{records: make(map[string]memoryRecord), now: time.Now}
}

// Find implements [Store].
func (m *MemoryStore) Find(key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[key]
	if !ok {
		return nil, false, nil
	}
	if !m.now().Before(rec.expiry) {
		delete(m.records, key)
		return nil, false, nil
	}
	return rec.data, true, nil
}

// Commit implements [Store].
func (m *MemoryStore) Commit(key string, record []byte, expiry time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	m.records[key] = memoryRecord{data: append([]byte(nil), record...), expiry: expiry}
	return nil
}

// Delete implements [Store].
func (m *MemoryStore) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, key)
	return nil
}

// Len returns the number of records, expired ones included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

// sweep drops expired records every 1024 commits, so a long-running
// process does not keep the tickets of abandoned sessions.
func (m *MemoryStore) sweep() {
	m.commits++
	if m.commits%1024 != 0 {
		return
	}
	now := m.now()
	for key, rec := range m.records {
		if !now.Before(rec.expiry) {
			delete(m.records, key)
		}
	}
}
