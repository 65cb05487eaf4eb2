package passport

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// SessionRetryAfter is the Retry-After value of the responses that
// [SessionErrorFunc] writes.
const SessionRetryAfter = 5 * time.Second

// SessionErrorFunc returns a function for scs's SessionManager.ErrorFunc
// that responds to a failed session load or save with 503 Service
// Unavailable and Retry-After, instead of scs's default 500. It logs one
// line with the method, path and error to logger at level Error, and a
// nil logger logs nothing. The body is JSON
// ({"error":"temporarily_unavailable",...}) when [WantsJSON] reports true,
// and plain text otherwise.
//
//	sessions.Store = passport.GuardStore(redisstore.New(pool), sessions.Lifetime)
//	sessions.ErrorFunc = passport.SessionErrorFunc(logger)
//
// With a shared store such as Redis, most such errors mean that the store
// is unreachable, which a retry can fix; the sessions it keeps are not
// touched. scs also reports session data that its codec cannot decode
// through ErrorFunc, and those get the same 503.
//
// NOTE: scs v2.9.0 saves the session when the handler starts its response,
// so after a failed save the handler's status is ignored and its body is
// appended to the 503 body.
func SessionErrorFunc(logger *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	retryAfter := strconv.Itoa(int(SessionRetryAfter / time.Second))
	return func(w http.ResponseWriter, r *http.Request, err error) {
		if logger != nil {
			logger.LogAttrs(r.Context(), slog.LevelError, "passport: session store failed",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		}
		writeError(w, r, &HTTPError{
			Status:  http.StatusServiceUnavailable,
			Code:    "temporarily_unavailable",
			Message: "the session store is unavailable, try again shortly",
			Header:  http.Header{"Retry-After": {retryAfter}},
			Err:     err,
		}, false)
	}
}
