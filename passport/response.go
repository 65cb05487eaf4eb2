package passport

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// writeRedirect sends a redirect to location without rewriting it, so a
// return-to path keeps its bytes. A zero status means 302 Found for GET and
// HEAD requests and 303 See Other for others, such as a login POST.
func writeRedirect(w http.ResponseWriter, location string, status int, method string) {
	if status == 0 {
		status = http.StatusFound
		if method != http.MethodGet && method != http.MethodHead {
			status = http.StatusSeeOther
		}
	}
	w.Header().Set("Location", location)
	w.WriteHeader(status)
}

// errorBody is the JSON body of failure and error responses.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

func writeFailure(w http.ResponseWriter, r *http.Request, res Result, forceJSON bool) {
	if res.Status == http.StatusUnauthorized {
		for _, challenge := range res.Challenges() {
			w.Header().Add("WWW-Authenticate", challenge)
		}
	}
	message := res.message()
	if message == "" {
		message = http.StatusText(res.Status)
	}
	code := "unauthorized"
	if res.Status != http.StatusUnauthorized {
		code = statusCode(res.Status)
	}
	writeBody(w, r, res.Status, errorBody{Error: code, Message: message}, forceJSON)
}

// writeBody writes body as JSON when [WantsJSON] reports true or forceJSON
// is set, and as plain text otherwise.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body errorBody, forceJSON bool) {
	w.Header().Set("Cache-Control", "no-store")
	if forceJSON || WantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body.Message + "\n"))
}

// statusCode returns a snake_case code for an HTTP status, such as
// "bad_request" for 400.
func statusCode(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return "error"
	}
	return strings.ReplaceAll(strings.ToLower(text), " ", "_")
}

// WantsJSON reports whether the request prefers a JSON response. Its Accept
// header must give application/json or a +json type a higher quality than
// any HTML type, or the same quality and an earlier place. An Accept header
// that names neither leaves the decision to the request's own body, and a
// JSON body means a JSON response.
func WantsJSON(r *http.Request) bool {
	jsonQ, htmlQ := -1.0, -1.0
	jsonFirst := false
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := qualityValue(params["q"])
		switch {
		case mediaType == "text/html" || mediaType == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
			jsonFirst = jsonFirst || htmlQ < 0
			jsonQ = max(jsonQ, q)
		}
	}
	if jsonQ >= 0 || htmlQ >= 0 {
		return jsonQ > 0 && (jsonQ > htmlQ || jsonQ == htmlQ && jsonFirst)
	}
	contentType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return contentType == "application/json"
}

// qualityValue parses the q parameter of an Accept entry (RFC 9110,
// section 12.4.2). A missing or invalid value counts as 1.
func qualityValue(raw string) float64 {
	if raw == "" {
		return 1
	}
	q, err := strconv.ParseFloat(raw, 64)
	if err != nil || q < 0 || q > 1 {
		return 1
	}
	return q
}

func (a *Authenticator) handleError(w http.ResponseWriter, r *http.Request, err error, forceJSON bool) {
	var authErr *AuthenticationError
	if a.Logger != nil && !errors.As(err, &authErr) {
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			// The client went away; nothing failed on the server.
			level = slog.LevelDebug
		}
		a.Logger.LogAttrs(r.Context(), level, "passport: authentication error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if a.ErrorHandler != nil {
		a.ErrorHandler(w, r, err)
		return
	}
	writeError(w, r, err, forceJSON)
}

// DefaultErrorHandler writes the response for err. An [*HTTPError] sets
// the status, headers, code and message, and an [*AuthenticationError] the
// status and challenges. Any other error is a 500 whose body does not
// reveal the cause. The body is JSON when [WantsJSON] reports true.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, false)
}

func writeError(w http.ResponseWriter, r *http.Request, err error, forceJSON bool) {
	var httpErr *HTTPError
	var authErr *AuthenticationError
	switch {
	case errors.As(err, &httpErr):
		for key, values := range httpErr.Header {
			for _, v := range values {
				w.Header().Add(key, v)
			}
		}
		status := httpErr.status()
		code := httpErr.Code
		if code == "" {
			code = statusCode(status)
		}
		message := httpErr.Message
		if message == "" {
			message = http.StatusText(status)
		}
		writeBody(w, r, status, errorBody{Error: code, Message: message}, forceJSON)
	case errors.As(err, &authErr):
		res := Result{Outcome: OutcomeFail, Status: authErr.Status, challenges: authErr.Challenges}
		if authErr.Message != "" {
			res.Info = &Info{Message: authErr.Message}
		}
		writeFailure(w, r, res, forceJSON)
	default:
		status := http.StatusInternalServerError
		writeBody(w, r, status, errorBody{Error: statusCode(status), Message: http.StatusText(status)}, forceJSON)
	}
}
