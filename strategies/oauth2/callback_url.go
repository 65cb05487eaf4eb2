package oauth2

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-passport/passport/passport"
)

// maxHostLength bounds the host names accepted for a relative callback URL.
const maxHostLength = 255

// redirectURL returns the redirect URI of a flow that r starts: the
// configured CallbackURL when it is absolute, else that path on the origin
// of r. It returns a 400 error when the host of the request is not a valid
// host name.
func (s *Strategy) redirectURL(r *http.Request) (string, error) {
	if s.callback.IsAbs() {
		return s.cfg.CallbackURL, nil
	}
	scheme, host := requestOrigin(r, s.cfg.TrustProxyHeaders)
	if !validHost(host) {
		return "", &passport.HTTPError{
			Status:  http.StatusBadRequest,
			Code:    "invalid_host",
			Message: "invalid host: cannot build the callback URL",
			Err:     fmt.Errorf("oauth2: cannot build callback URL: invalid host %q", host),
		}
	}
	u := *s.callback
	u.Scheme = scheme
	u.Host = host
	return u.String(), nil
}

// requestOrigin returns the scheme and host that the client used for r. The
// X-Forwarded-Proto and X-Forwarded-Host headers count only when trusted,
// and only their first value.
func requestOrigin(r *http.Request, trustProxy bool) (scheme, host string) {
	scheme, host = "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if !trustProxy {
		return scheme, host
	}
	switch proto := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); proto {
	case "http", "https":
		scheme = proto
	}
	if forwarded := firstValue(r.Header.Get("X-Forwarded-Host")); forwarded != "" {
		host = forwarded
	}
	return scheme, host
}

// firstValue returns the first element of a comma-separated header value,
// which is the one the outermost proxy wrote.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// validHost reports whether host is a host name or IP literal with an
// optional port, and nothing else: no user info, path or whitespace.
func validHost(host string) bool {
	if host == "" || len(host) > maxHostLength {
		return false
	}
	for _, c := range host {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(".-_:[]", c):
		default:
			return false
		}
	}
	return true
}
