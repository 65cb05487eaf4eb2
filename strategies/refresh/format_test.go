package refresh_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/strategies/refresh"
)

// secretTicket returns a ticket whose tokens are easy to search for.
func secretTicket() *refresh.Ticket {
	return &refresh.Ticket{
		AccessToken:  "secret-access",
		RefreshToken: "secret-refresh",
		IDToken:      "secret-id",
		TokenType:    "Bearer",
		Scope:        "read write",
		Expiry:       testStart,
		IssuedAt:     testStart,
	}
}

// logLine returns what logger writes for one record with the ticket.
func logLine(newHandler func(*bytes.Buffer) slog.Handler, ticket *refresh.Ticket) string {
	var buf bytes.Buffer
	slog.New(newHandler(&buf)).Info("login", "ticket", ticket)
	return buf.String()
}

// TestFormattingRedactsTokens checks every usual way of printing or
// logging a *Ticket.
func TestFormattingRedactsTokens(t *testing.T) {
	ticket := secretTicket()
	jsonHandler := func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }
	textHandler := func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }
	tests := []struct {
		name   string
		output string
	}{
		{name: "String", output: ticket.String()},
		{name: "%v", output: fmt.Sprintf("%v", ticket)},
		{name: "%+v", output: fmt.Sprintf("%+v", ticket)},
		{name: "%s", output: fmt.Sprintf("%s", ticket)},
		{name: "%#v", output: fmt.Sprintf("%#v", ticket)},
		{name: "field %+v", output: fmt.Sprintf("%+v", struct{ Ticket *refresh.Ticket }{ticket})},
		{name: "slog JSON", output: logLine(jsonHandler, ticket)},
		{name: "slog text", output: logLine(textHandler, ticket)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotContains(t, tt.output, "secret-access")
			assert.NotContains(t, tt.output, "secret-refresh")
			assert.NotContains(t, tt.output, "secret-id")
			assert.Contains(t, tt.output, "Bearer")
			assert.Contains(t, tt.output, "read write")
		})
	}
}

// TestFormattingNil checks a nil *Ticket.
func TestFormattingNil(t *testing.T) {
	var ticket *refresh.Ticket
	assert.Equal(t, "<nil ticket>", ticket.String())
	assert.Equal(t, "<nil ticket>", fmt.Sprintf("%v", ticket))
	assert.Equal(t, "<nil ticket>", ticket.LogValue().String())
}

// TestValid checks Ticket.Valid around the expiry.
func TestValid(t *testing.T) {
	ticket := secretTicket()
	assert.True(t, ticket.Valid(testStart.Add(-1)))
	assert.False(t, ticket.Valid(testStart))
	assert.False(t, (&refresh.Ticket{Expiry: testStart}).Valid(testStart.Add(-1)), "no access token")
	assert.False(t, (*refresh.Ticket)(nil).Valid(testStart))
}
