package provider

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// The login and consent forms are protected against cross-site request
// forgery by two checks, enough for a demo on loopback:
//
//   - Each rendered form carries a random one-time token, kept in memory
//     for formTokenLifespan. A forged form cannot know a live token.
//   - The token is bound to a random cookie of the browser it was rendered
//     for, so a token fetched by another client is useless elsewhere.
//
// The token also binds the authorization parameters the page showed and,
// on the consent page, the user who signed in.
const (
	formTokenLifespan = 10 * time.Minute
	maxFormTokens     = 10000
	bindingCookie     = "oauth2_provider_form"
)

var errTooManyForms = errors.New("provider: too many pending login forms")

// formEntry is the server-side state of one rendered form.
type formEntry struct {
	binding  string // value of the binding cookie
	params   string // paramsDigest of the authorization parameters
	username string // set once the password was checked
	expires  time.Time
}

// formTokens stores the tokens of rendered forms. It is safe for
// concurrent use.
type formTokens struct {
	mu         sync.Mutex
	lifespan   time.Duration
	maxEntries int
	entries    map[string]formEntry
}

func newFormTokens(lifespan time.Duration, maxEntries int) *formTokens {
	return &formTokens{lifespan: lifespan, maxEntries: maxEntries, entries: map[string]formEntry{}}
}

// issue stores e under a new random token and returns the token. When
// maxEntries entries are stored it first drops expired ones, and fails
// with errTooManyForms if none have expired.
func (t *formTokens) issue(e formEntry) (string, error) {
	token := randomToken()
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= t.maxEntries {
		t.dropExpiredLocked(now)
	}
	if len(t.entries) >= t.maxEntries {
		return "", errTooManyForms
	}
	e.expires = now.Add(t.lifespan)
	t.entries[token] = e
	return token, nil
}

// take removes the entry of token and returns it if it had not expired.
func (t *formTokens) take(token string) (formEntry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[token]
	delete(t.entries, token)
	if !ok || time.Now().After(e.expires) {
		return formEntry{}, false
	}
	return e, true
}

func (t *formTokens) dropExpiredLocked(now time.Time) {
	for token, e := range t.entries {
		if now.After(e.expires) {
			delete(t.entries, token)
		}
	}
}

// matches reports whether e was issued for this browser and these
// authorization parameters.
func (e formEntry) matches(binding string, params url.Values) bool {
	sameBrowser := binding != "" && subtle.ConstantTimeCompare([]byte(e.binding), []byte(binding)) == 1
	return sameBrowser && e.params == paramsDigest(params)
}

// paramsDigest returns a digest of params. url.Values.Encode sorts by key,
// so equal parameter sets give equal digests.
func paramsDigest(params url.Values) string {
	sum := sha256.Sum256([]byte(params.Encode()))
	return hex.EncodeToString(sum[:])
}

// browserBinding returns the binding cookie's value, or "" without one.
func browserBinding(r *http.Request) string {
	c, err := r.Cookie(bindingCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// ensureBinding returns the binding cookie's value, setting a new cookie
// first if the request has none.
func ensureBinding(w http.ResponseWriter, r *http.Request) string {
	if v := browserBinding(r); v != "" {
		return v
	}
	v := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name:     bindingCookie,
		Value:    v,
		Path:     authorizePath,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return v
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // documented since Go 1.24 to crash rather than return an error
	return base64.RawURLEncoding.EncodeToString(b)
}
