package passport

import (
	"net/http"
	"strings"
)

// SecureCookies returns middleware that adds the Secure attribute to every
// Set-Cookie header of the response when the request arrived over TLS
// (r.TLS is not nil). Over plain HTTP it changes nothing, so the same
// program works on a development machine.
//
// scs sets Secure with one setting per session manager, Cookie.Secure,
// which defaults to false. SecureCookies lets a server that accepts both
// HTTPS and plain HTTP mark the session cookie Secure on the HTTPS
// requests. Wrap the session middleware with it, so that the cookie that
// the session middleware writes passes through it:
//
//	handler := passport.SecureCookies(sessions.LoadAndSave(mux))
//
// Behind a proxy that terminates TLS, r.TLS is nil on every request, so
// SecureCookies does nothing there. Set scs's Cookie.Secure = true in
// that setup instead. SecureCookies does not read X-Forwarded-Proto,
// because a client can send that header itself.
//
// The wrapped ResponseWriter has an Unwrap method, so
// [http.ResponseController] reaches the server's writer through it.
func SecureCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			next.ServeHTTP(w, r)
			return
		}
		sw := &secureCookieWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		// A handler that writes nothing leaves the headers to the
		// server, which sends them after this function returns.
		sw.secureCookies()
	})
}

// secureCookieWriter adds Secure to the Set-Cookie headers just before the
// response header is sent.
type secureCookieWriter struct {
	http.ResponseWriter
	sent bool
}

var _ interface {
	http.ResponseWriter
	http.Flusher
	FlushError() error
	Unwrap() http.ResponseWriter
} = (*secureCookieWriter)(nil)

// WriteHeader implements [http.ResponseWriter].
func (w *secureCookieWriter) WriteHeader(status int) {
	w.secureCookies()
	w.ResponseWriter.WriteHeader(status)
}

// Write implements [http.ResponseWriter].
func (w *secureCookieWriter) Write(b []byte) (int, error) {
	w.secureCookies()
	return w.ResponseWriter.Write(b)
}

// Flush implements [http.Flusher]. Flushing sends the header, so the
// cookies are made Secure first.
func (w *secureCookieWriter) Flush() { _ = w.FlushError() }

// FlushError is [secureCookieWriter.Flush] with the error of the wrapped
// writer, which [http.ResponseController] returns.
func (w *secureCookieWriter) FlushError() error {
	w.secureCookies()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the ResponseWriter that w wraps.
func (w *secureCookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// secureCookies adds Secure to each Set-Cookie value that lacks it. It
// runs once, because the header cannot change after it has been sent.
func (w *secureCookieWriter) secureCookies() {
	if w.sent {
		return
	}
	w.sent = true
	cookies := w.Header()["Set-Cookie"]
	for i, cookie := range cookies {
		if !hasSecureAttribute(cookie) {
			cookies[i] = cookie + "; Secure"
		}
	}
}

// hasSecureAttribute reports whether a Set-Cookie value has the Secure
// attribute. The first element is the cookie's name and value, never an
// attribute.
func hasSecureAttribute(cookie string) bool {
	attributes := strings.Split(cookie, ";")
	for _, attribute := range attributes[1:] {
		name, _, _ := strings.Cut(attribute, "=")
		if strings.EqualFold(strings.TrimSpace(name), "Secure") {
			return true
		}
	}
	return false
}
