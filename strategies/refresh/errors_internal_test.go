package refresh

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeCode(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{"standard code", "invalid_scope", "invalid_scope"},
		{"markup", `<script>alert("x")</script>`, "scriptalertxscript"},
		{"control characters", "bad\r\ncode\x00", "badcode"},
		{"long", strings.Repeat("a", 500), strings.Repeat("a", maxCodeLength)},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, safeCode(tt.code))
		})
	}
}

// TestStoreKeyIsNoCookieValue checks that no cookie can name a ticket
// record, so a forged session cookie cannot make the session manager load
// one as session data.
func TestStoreKeyIsNoCookieValue(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "session="+storeKey(newTicketID()))
	_, err := r.Cookie("session")
	assert.ErrorIs(t, err, http.ErrNoCookie)
}
