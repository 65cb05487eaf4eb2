package passport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// flakyStore is a session store that fails every call while down is set.
type flakyStore struct {
	scs.Store
	mu   sync.Mutex
	down bool
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (s *flakyStore) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

func (s *flakyStore) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errStoreDown
	}
	return nil
}

func (s *flakyStore) Find(token string) ([]byte, bool, error) {
	if err := s.err(); err != nil {
		return nil, false, err
	}
	return s.Store.Find(token)
}

func (s *flakyStore) Commit(token string, b []byte, expiry time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Commit(token, b, expiry)
}

// lockedBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSessionErrorFunc sends requests of a session while its store is
// down: each gets 503 with Retry-After and a log line, and the session
// is back once the store is.
func TestSessionErrorFunc(t *testing.T) {
	store := &flakyStore{Store: memstore.NewWithCleanupInterval(0)}
	logs := &lockedBuffer{}
	sessions := scs.New()
	sessions.Store = store
	sessions.ErrorFunc = passport.SessionErrorFunc(slog.New(slog.NewTextHandler(logs, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /visit", func(w http.ResponseWriter, r *http.Request) {
		sessions.Put(r.Context(), "name", "alice")
	})
	mux.HandleFunc("GET /name", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, sessions.GetString(r.Context(), "name"))
	})
	server := httptest.NewServer(sessions.LoadAndSave(mux))
	t.Cleanup(server.Close)
	client := newClient(t)

	resp, err := client.Post(server.URL+"/visit", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	store.setDown(true)

	tests := []struct {
		name        string
		accept      string
		contentType string
		body        string
	}{
		{name: "json", accept: "application/json", contentType: "application/json",
			body: `{"error":"temporarily_unavailable","message":"the session store is unavailable, try again shortly"}` + "\n"},
		{name: "html", accept: "text/html", contentType: "text/plain; charset=utf-8",
			body: "the session store is unavailable, try again shortly\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, server.URL+"/name", nil)
			require.NoError(t, err)
			req.Header.Set("Accept", tt.accept)
			resp, err := client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			assert.Equal(t, "5", resp.Header.Get("Retry-After"))
			assert.Equal(t, tt.contentType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tt.body, string(body))
			if tt.name == "json" {
				assert.True(t, json.Valid(body))
			}
		})
	}
	assert.Equal(t, 2, bytes.Count([]byte(logs.String()), []byte("passport: session store failed")))
	assert.Contains(t, logs.String(), "connection refused")
	assert.Contains(t, logs.String(), "path=/name")

	store.setDown(false)
	resp, err = client.Get(server.URL + "/name")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "alice", string(body))
}

// TestSessionErrorFuncNilLogger checks that the function still writes 503
// without a logger.
func TestSessionErrorFuncNilLogger(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	passport.SessionErrorFunc(nil)(rec, req, errStoreDown)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
}
