package passport_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// sessionCookieServer serves a handler that writes one session value,
// inside scs's LoadAndSave and SecureCookies, over TLS or plain HTTP.
func sessionCookieServer(t *testing.T, overTLS bool, configure func(*scs.SessionManager), handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	sessions := scs.New()
	if configure != nil {
		configure(sessions)
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Put(r.Context(), "flow", "pending")
		handler(w, r)
	})
	server := httptest.NewUnstartedServer(passport.SecureCookies(sessions.LoadAndSave(inner)))
	if overTLS {
		server.StartTLS()
	} else {
		server.Start()
	}
	t.Cleanup(server.Close)
	return server
}

// setCookies returns the Set-Cookie values of a GET of server's root.
func setCookies(t *testing.T, server *httptest.Server) []string {
	t.Helper()
	resp, err := server.Client().Get(server.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp.Header.Values("Set-Cookie")
}

func writeOK(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte("ok"))
}

func TestSecureCookiesOverTLS(t *testing.T) {
	cookies := setCookies(t, sessionCookieServer(t, true, nil, writeOK))
	require.Len(t, cookies, 1)
	assert.Contains(t, cookies[0], "; Secure")
	assert.Contains(t, cookies[0], "; HttpOnly")
	assert.Contains(t, cookies[0], "; SameSite=Lax")
}

func TestSecureCookiesPlainHTTP(t *testing.T) {
	cookies := setCookies(t, sessionCookieServer(t, false, nil, writeOK))
	require.Len(t, cookies, 1)
	assert.NotContains(t, cookies[0], "Secure")
	assert.Contains(t, cookies[0], "; HttpOnly")
}

func TestSecureCookiesAlreadySecure(t *testing.T) {
	server := sessionCookieServer(t, true, func(s *scs.SessionManager) { s.Cookie.Secure = true }, writeOK)
	cookies := setCookies(t, server)
	require.Len(t, cookies, 1)
	assert.Equal(t, 1, strings.Count(cookies[0], "Secure"), cookies[0])
}

func TestSecureCookiesHandlerWritesNothing(t *testing.T) {
	// scs writes the cookie after the handler returns when the handler
	// wrote nothing.
	server := sessionCookieServer(t, true, nil, func(http.ResponseWriter, *http.Request) {})
	cookies := setCookies(t, server)
	require.Len(t, cookies, 1)
	assert.Contains(t, cookies[0], "; Secure")
}

func TestSecureCookiesFlush(t *testing.T) {
	handler := passport.SecureCookies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "pref", Value: "dark"})
		rc := http.NewResponseController(w)
		if err := rc.Flush(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// SetWriteDeadline is reached through Unwrap.
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			_, _ = w.Write([]byte(err.Error()))
		}
	}))
	server := httptest.NewTLSServer(handler)
	defer server.Close()
	resp, err := server.Client().Get(server.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"pref=dark; Secure"}, resp.Header.Values("Set-Cookie"))
	assert.Empty(t, string(body))
}

func TestSecureCookiesAttributes(t *testing.T) {
	tests := []struct {
		name   string
		cookie string
		want   string
	}{
		{name: "no attributes", cookie: "a=b", want: "a=b; Secure"},
		{name: "secure", cookie: "a=b; Secure", want: "a=b; Secure"},
		{name: "lower-case secure", cookie: "a=b; secure", want: "a=b; secure"},
		{name: "secure without space", cookie: "a=b;Secure;HttpOnly", want: "a=b;Secure;HttpOnly"},
		{name: "secure as value", cookie: "a=Secure", want: "a=Secure; Secure"},
		{name: "secure as cookie name", cookie: "Secure=1; Path=/", want: "Secure=1; Path=/; Secure"},
		{name: "secure in path", cookie: "a=b; Path=/Secure", want: "a=b; Path=/Secure; Secure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler := passport.SecureCookies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Set-Cookie", tt.cookie)
				w.WriteHeader(http.StatusNoContent)
			}))
			server := httptest.NewTLSServer(handler)
			defer server.Close()
			resp, err := server.Client().Get(server.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, []string{tt.want}, resp.Header.Values("Set-Cookie"))
		})
	}
}
