package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
)

// fuzzToken is the access token of the seeds. It is long enough that no
// error message contains it by chance.
const fuzzToken = "at-3f9c2a7e5b1d4c6f8a0e"

// minLeakLength is the shortest access token that the leak check looks
// for in error messages. Shorter values, such as "a", occur in ordinary
// words.
const minLeakLength = 16

// FuzzTokenResponse runs a token call against an endpoint that sends a
// fuzzed status, content type and body. The call must not panic. It must
// return either a *Token with the access token that the body carries, or
// nil and a *TokenError or *TransientError whose text does not contain
// that access token.
func FuzzTokenResponse(f *testing.F) {
	for _, seed := range tokenResponseSeeds() {
		f.Add(seed.status, seed.contentType, seed.body, uint8(0))
	}
	f.Add(http.StatusOK, "application/json", `{"access_token":"`+fuzzToken+`"}`, uint8(1))
	f.Add(http.StatusOK, "application/json", `{"access_token":"`+fuzzToken+`"}`, uint8(2))
	endpoint := newFuzzEndpoint(f)

	f.Fuzz(func(t *testing.T, status int, contentType, body string, grant uint8) {
		reply := fuzzReply{status: httpStatus(status), contentType: contentType, body: body}
		tokenURL, remove := endpoint.add(reply)
		defer remove()
		s := newFuzzStrategy(endpoint.server, tokenURL)

		token, err := callGrant(s, grant)

		if err == nil {
			checkFuzzToken(t, reply, token)
			return
		}
		assert.Nil(t, token)
		checkFuzzError(t, reply, err)
	})
}

// fuzzReply is one response of the fuzzed token endpoint.
type fuzzReply struct {
	status      int
	contentType string
	body        string
}

func tokenResponseSeeds() []fuzzReply {
	full := `{"access_token":"` + fuzzToken + `","token_type":"Bearer","refresh_token":"rt-1","expires_in":3600,"scope":"read"}`
	return []fuzzReply{
		{http.StatusOK, "application/json", full},
		{http.StatusOK, "application/json; charset=utf-8", `{"access_token":"` + fuzzToken + `","expires_in":"3600"}`},
		{http.StatusOK, "application/x-www-form-urlencoded", "access_token=" + fuzzToken + "&expires_in=60&scope=a+b"},
		{http.StatusOK, "text/plain", "access_token=" + fuzzToken + "&token_type=bearer"},
		{http.StatusOK, "application/json", `{"ACCESS_TOKEN":"` + fuzzToken + `","access_token":"x"}`},
		{http.StatusOK, "application/json", `{"access_token":"` + fuzzToken + `","expires_in":"soon"}`},
		{http.StatusOK, "application/json", `{"access_token":"` + fuzzToken + `","expires_in":1e400}`},
		{http.StatusOK, "application/json", `{"access_token":"` + fuzzToken + `","expires_in":-5}`},
		{http.StatusOK, "application/json", `{"access_token":"` + fuzzToken + `"`},
		{http.StatusOK, "application/json", `{"access_token":42}`},
		{http.StatusOK, "application/json", `{"token_type":"Bearer"}`},
		{http.StatusOK, "application/json", `{"access_token":"` + fuzzToken + `","error":"invalid_grant"}`},
		{http.StatusOK, "application/x-www-form-urlencoded", "access_token=" + fuzzToken + "&x=%zz"},
		{http.StatusOK, "application/json;", full},
		{http.StatusOK, "", full},
		{http.StatusNoContent, "application/json", full},
		{http.StatusFound, "text/html", "<a href=/>moved</a>"},
		{http.StatusBadRequest, "application/json", `{"error":"invalid_grant","error_description":"code expired","access_token":"` + fuzzToken + `"}`},
		{http.StatusBadRequest, "application/json", `{"error":"invalid_request","error_description":"` + strings.Repeat("d", 300) + `\u0000\r\n"}`},
		{http.StatusUnauthorized, "application/x-www-form-urlencoded", "error=invalid_client&error_uri=https%3A%2F%2Fdocs.example"},
		{http.StatusBadRequest, "text/html", "<html>bad request " + fuzzToken + "</html>"},
		{http.StatusTooManyRequests, "", ""},
		{http.StatusInternalServerError, "text/html", "<h1>oops</h1>"},
		{http.StatusServiceUnavailable, "application/json", `{"error":"temporarily_unavailable"}`},
	}
}

// httpStatus maps a fuzzed int to a final status from 200 to 599. The
// server sends a body with each of them except 204 and 304.
func httpStatus(n int) int {
	if n >= 200 && n <= 599 {
		return n
	}
	return 200 + int(uint(n)%400)
}

// fuzzEndpoint is a token endpoint that serves each reply under its own
// path, so that fuzz calls running at the same time never share one.
type fuzzEndpoint struct {
	server *httptest.Server

	mu      sync.Mutex
	replies map[string]fuzzReply
	next    int
}

func newFuzzEndpoint(f *testing.F) *fuzzEndpoint {
	e := &fuzzEndpoint{replies: make(map[string]fuzzReply)}
	e.server = httptest.NewServer(http.HandlerFunc(e.serve))
	f.Cleanup(e.server.Close)
	return e
}

func (e *fuzzEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	reply, ok := e.replies[r.URL.Path]
	e.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	// Set the header even when it is empty, so that the server does not
	// detect a content type from the body.
	w.Header()["Content-Type"] = []string{reply.contentType}
	w.WriteHeader(reply.status)
	_, _ = io.WriteString(w, reply.body)
}

// add registers reply and returns its token URL and the function that
// removes it.
func (e *fuzzEndpoint) add(reply fuzzReply) (string, func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next++
	path := fmt.Sprintf("/token/%d", e.next)
	e.replies[path] = reply
	return e.server.URL + path, func() {
		e.mu.Lock()
		delete(e.replies, path)
		e.mu.Unlock()
	}
}

func newFuzzStrategy(server *httptest.Server, tokenURL string) *Strategy {
	return New(Config{
		AuthorizationURL: server.URL + "/authorize",
		TokenURL:         tokenURL,
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		CallbackURL:      "https://app.example/oauth/callback",
		HTTPClient:       server.Client(),
		TokenTimeout:     5 * time.Second,
		Now:              func() time.Time { return testNow },
	}, func(context.Context, *Token, any) (any, *passport.Info, error) { return nil, nil, nil })
}

// callGrant runs the token call that grant selects: the code exchange, a
// refresh or a password grant.
func callGrant(s *Strategy, grant uint8) (*Token, error) {
	ctx := context.Background()
	switch grant % 3 {
	case 1:
		return s.Refresh(ctx, "rt-fuzz")
	case 2:
		return s.PasswordGrant(ctx, "alice", "wonderland")
	}
	return s.Exchange(ctx, "code-fuzz", "verifier-fuzz", "https://app.example/oauth/callback")
}

func checkFuzzToken(t *testing.T, reply fuzzReply, token *Token) {
	require.NotNil(t, token, "no token and no error")
	assert.NotEmpty(t, token.AccessToken)
	assert.GreaterOrEqual(t, reply.status, 200)
	assert.Less(t, reply.status, 300)
	if want, ok := expectedAccessToken(reply); ok {
		assert.Equal(t, want, token.AccessToken)
	}
	secret := token.AccessToken
	if len(secret) >= minLeakLength && !strings.Contains(token.TokenType+token.Scope, secret) {
		assert.NotContains(t, token.String(), secret)
		assert.NotContains(t, fmt.Sprintf("%#v", token), secret)
	}
}

func checkFuzzError(t *testing.T, reply fuzzReply, err error) {
	var tokenErr *TokenError
	var transient *TransientError
	require.True(t, errors.As(err, &tokenErr) || errors.As(err, &transient), "error %v of type %T", err, err)
	if tokenErr != nil {
		assert.Equal(t, reply.status, tokenErr.Status)
	}
	if transient != nil {
		assert.Contains(t, []int{0, reply.status}, transient.Status)
	}
	for _, secret := range accessTokenCandidates(reply.body) {
		if strings.Contains(reply.contentType, secret) {
			// net/http quotes a malformed header line in its error, so
			// text that the provider also sent in a header may appear.
			continue
		}
		assert.NotContains(t, err.Error(), secret)
	}
}

// parsedTokenBody is an independent parse of a token response body, with
// the fields that x/oauth2 v0.38.0 reads.
type parsedTokenBody struct {
	AccessToken      string `json:"access_token"`
	ErrorCode        string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorURI         string `json:"error_uri"`
}

// parseTokenBody decodes body as JSON and as a form, since the content
// type may not say which one the client used.
func parseTokenBody(body string) []parsedTokenBody {
	var parsed []parsedTokenBody
	var fromJSON parsedTokenBody
	if json.Unmarshal([]byte(body), &fromJSON) == nil {
		parsed = append(parsed, fromJSON)
	}
	values, _ := url.ParseQuery(body)
	return append(parsed, parsedTokenBody{
		AccessToken:      values.Get("access_token"),
		ErrorCode:        values.Get("error"),
		ErrorDescription: values.Get("error_description"),
		ErrorURI:         values.Get("error_uri"),
	})
}

// expectedAccessToken returns the access token that the client must find
// in reply. The boolean is false when the content type has bytes that the
// HTTP layers may rewrite, so the decoding the client chose is unknown.
func expectedAccessToken(reply fuzzReply) (string, bool) {
	for _, c := range []byte(reply.contentType) {
		if c < 0x20 || c > 0x7e {
			return "", false
		}
	}
	body := reply.body
	if reply.status == http.StatusNoContent || reply.status == http.StatusNotModified {
		body = ""
	}
	parsed := parseTokenBody(body)
	// x/oauth2 decodes these two types as a form and any other as JSON.
	mediaType, _, _ := mime.ParseMediaType(strings.TrimSpace(reply.contentType))
	if mediaType == "application/x-www-form-urlencoded" || mediaType == "text/plain" {
		return parsed[len(parsed)-1].AccessToken, true
	}
	return parsed[0].AccessToken, len(parsed) == 2
}

// accessTokenCandidates returns the access tokens of body that an error
// message must not contain. A candidate has at least minLeakLength bytes,
// occurs once in the body and is not part of the provider's error text,
// which error messages do pass on.
func accessTokenCandidates(body string) []string {
	var candidates []string
	parsed := parseTokenBody(body)
	for _, p := range parsed {
		secret := p.AccessToken
		if len(secret) < minLeakLength || strings.Count(body, secret) != 1 {
			continue
		}
		if providerTextContains(parsed, secret) {
			continue
		}
		candidates = append(candidates, secret)
	}
	return candidates
}

func providerTextContains(parsed []parsedTokenBody, secret string) bool {
	for _, p := range parsed {
		for _, text := range []string{p.ErrorCode, p.ErrorDescription, p.ErrorURI} {
			if strings.Contains(text, secret) || strings.Contains(cleanText(text), secret) {
				return true
			}
		}
	}
	return false
}
