package refresh_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/strategies/refresh"
)

var _ refresh.Store = (*refresh.MemoryStore)(nil)

// TestMemoryStore checks Find, Commit and Delete on records that have not
// expired.
func TestMemoryStore(t *testing.T) {
	store := refresh.NewMemoryStore()
	later := time.Now().Add(time.Hour)

	data, found, err := store.Find("k")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Nil(t, data)

	record := []byte("one")
	require.NoError(t, store.Commit("k", record, later))
	record[0] = 'X'
	data, found, err = store.Find("k")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "one", string(data), "Commit must copy the record")

	require.NoError(t, store.Commit("k", []byte("two"), later))
	data, _, _ = store.Find("k")
	assert.Equal(t, "two", string(data))
	assert.Equal(t, 1, store.Len())

	require.NoError(t, store.Delete("k"))
	_, found, _ = store.Find("k")
	assert.False(t, found)
	assert.NoError(t, store.Delete("k"), "deleting a missing key")
	assert.Zero(t, store.Len())
}

// TestMemoryStoreExpiry checks that an expired record is not found and is
// dropped when read.
func TestMemoryStoreExpiry(t *testing.T) {
	store := refresh.NewMemoryStore()
	require.NoError(t, store.Commit("past", []byte("x"), time.Now().Add(-time.Second)))
	require.NoError(t, store.Commit("soon", []byte("y"), time.Now().Add(50*time.Millisecond)))
	assert.Equal(t, 2, store.Len())

	_, found, err := store.Find("past")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Equal(t, 1, store.Len(), "expired record dropped on read")

	_, found, _ = store.Find("soon")
	assert.True(t, found)
	require.Eventually(t, func() bool {
		_, found, _ := store.Find("soon")
		return !found
	}, 5*time.Second, 10*time.Millisecond)
}

// TestMemoryStoreSweep checks that every 1024th commit drops the expired
// records that were never read.
func TestMemoryStoreSweep(t *testing.T) {
	store := refresh.NewMemoryStore()
	past := time.Now().Add(-time.Second)
	for i := range 1023 {
		require.NoError(t, store.Commit(fmt.Sprintf("old-%d", i), []byte("x"), past))
	}
	assert.Equal(t, 1023, store.Len())

	require.NoError(t, store.Commit("new", []byte("y"), time.Now().Add(time.Hour)))
	assert.Equal(t, 1, store.Len())
}

// TestMemoryStoreConcurrent runs the methods from many goroutines, for the
// race detector.
func TestMemoryStoreConcurrent(t *testing.T) {
	store := refresh.NewMemoryStore()
	later := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key := fmt.Sprintf("k-%d", i%3)
			for range 200 {
				_ = store.Commit(key, []byte("v"), later)
				_, _, _ = store.Find(key)
				_ = store.Delete(key)
				_ = store.Len()
			}
		})
	}
	wg.Wait()
	assert.Zero(t, store.Len())
}
