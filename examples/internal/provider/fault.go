package provider

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure that the token endpoint injects into refresh_token
// grants, a test aid for clients that must survive a slow or broken
// provider. It applies to every refresh_token grant from [Provider.SetFault]
// until SetFault(Fault{}); other grants are never affected. The zero value
// injects nothing.
//
// A fault with Status or Body replaces the response and the grant is not
// processed, so the refresh token stays valid. A fault with only Delay
// processes the grant normally once the delay has passed.
type Fault struct {
	// Delay holds each refresh_token request this long before it is
	// processed or faulted. A request whose client gives up during the
	// delay gets no response and is not processed.
	Delay time.Duration

	// Status, when non-zero, is the HTTP status of the response. Without
	// a Body the response is an OAuth error JSON: "temporarily_unavailable"
	// for 429 and 503, "server_error" for any other status.
	Status int

	// RetryAfter, when non-empty, is sent as the Retry-After header of a
	// response with Status or Body, such as "1".
	RetryAfter string

	// Body, when non-empty, is sent verbatim as the response body, with
	// Status (default 200) and Content-Type application/json, so "not
	// json" tests a malformed token response.
	Body string
}

// SetFault replaces the fault injected into refresh_token grants.
// SetFault(Fault{}) clears it. Requests already past the fault check are
// not affected.
func (p *Provider) SetFault(f Fault) {
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	p.fault = f
}

func (p *Provider) currentFault() Fault {
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	return p.fault
}

// injectFault applies the current fault to a refresh_token request. It
// reports true if it wrote the response or the client gave up, and then
// the grant must not be processed.
func (p *Provider) injectFault(w http.ResponseWriter, r *http.Request) bool {
	f := p.currentFault()
	if f.Delay > 0 && !sleep(r, f.Delay) {
		return true
	}
	if f.Status == 0 && f.Body == "" {
		return false
	}
	writeFault(w, f)
	return true
}

// sleep waits for d and reports false if the request was canceled first.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeFault(w http.ResponseWriter, f Fault) {
	status, body := f.Status, f.Body
	if status == 0 {
		status = http.StatusOK
	}
	if body == "" {
		body = faultErrorBody(status)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func faultErrorBody(status int) string {
	code := "server_error"
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		code = "temporarily_unavailable"
	}
	b, _ := json.Marshal(map[string]string{
		"error":             code,
		"error_description": "provider: injected fault",
	})
	return string(b)
}
