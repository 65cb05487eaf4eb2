package provider

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// testRedirectURI is registered for the client but never contacted: the
// browser in the tests stops at the redirect.
const testRedirectURI = "http://127.0.0.1:1/callback"

const testState = "state-0123456789"

type fixture struct {
	p    *Provider
	srv  *httptest.Server
	conf *oauth2.Config
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.RedirectURIs == nil {
		cfg.RedirectURIs = []string{testRedirectURI}
	}
	p, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return &fixture{
		p:   p,
		srv: srv,
		conf: &oauth2.Config{
			ClientID:     "demo-app",
			ClientSecret: "demo-secret",
			RedirectURL:  testRedirectURI,
			Scopes:       []string{"profile", "offline_access", "api"},
			Endpoint: oauth2.Endpoint{
				AuthURL:   srv.URL + "/oauth2/auth",
				TokenURL:  srv.URL + "/oauth2/token",
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		},
	}
}

// ctx returns a context that makes golang.org/x/oauth2 use the test
// server's client.
func (f *fixture) ctx(t *testing.T) context.Context {
	return context.WithValue(t.Context(), oauth2.HTTPClient, f.srv.Client())
}

func (f *fixture) passwordToken(t *testing.T) *oauth2.Token {
	t.Helper()
	tok, err := f.conf.PasswordCredentialsToken(f.ctx(t), "alice", "wonderland")
	require.NoError(t, err)
	return tok
}

func (f *fixture) refresh(t *testing.T, refreshToken string) (*oauth2.Token, error) {
	t.Helper()
	expired := &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Now().Add(-time.Hour)}
	return f.conf.TokenSource(f.ctx(t), expired).Token()
}

// api sends GET path with an optional Authorization header and returns
// the status and the decoded JSON body.
func (f *fixture) api(t *testing.T, path, authorization string) (int, map[string]string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+path, nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body, resp.Header
}

func (f *fixture) dataStatus(t *testing.T, accessToken string) int {
	t.Helper()
	status, _, _ := f.api(t, "/api/data", "Bearer "+accessToken)
	return status
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so the tests can read the redirect to the client.
func (f *fixture) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{
		Jar:       jar,
		Transport: f.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type page struct {
	status   int
	body     string
	location string
}

func get(t *testing.T, c *http.Client, target string) page {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	require.NoError(t, err)
	return do(t, c, req)
}

func post(t *testing.T, c *http.Client, target string, form url.Values) page {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) page {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location")}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// formValues returns the hidden fields of a rendered page.
func formValues(body string) url.Values {
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return form
}

// authURL returns an authorization URL with an S256 challenge for verifier.
func (f *fixture) authURL(verifier string) string {
	return f.conf.AuthCodeURL(testState, oauth2.S256ChallengeOption(verifier))
}

// login opens the login page of authURL and signs in as alice, returning
// the consent page.
func (f *fixture) login(t *testing.T, c *http.Client, authURL string) page {
	t.Helper()
	loginPage := get(t, c, authURL)
	require.Equal(t, http.StatusOK, loginPage.status, loginPage.body)
	form := formValues(loginPage.body)
	form.Set("username", "alice")
	form.Set("password", "wonderland")
	form.Set("action", "login")
	consent := post(t, c, f.srv.URL+"/oauth2/auth", form)
	require.Equal(t, http.StatusOK, consent.status, consent.body)
	return consent
}

// decide submits the consent page with action "allow" or "deny" and
// returns the redirect to the client.
func (f *fixture) decide(t *testing.T, c *http.Client, consent page, action string) *url.URL {
	t.Helper()
	form := formValues(consent.body)
	form.Set("action", action)
	redirect := post(t, c, f.srv.URL+"/oauth2/auth", form)
	require.Equal(t, http.StatusSeeOther, redirect.status, redirect.body)
	u, err := url.Parse(redirect.location)
	require.NoError(t, err)
	return u
}

// code runs the browser part of the code flow and returns the code.
func (f *fixture) code(t *testing.T, verifier string) string {
	t.Helper()
	c := f.browser(t)
	u := f.decide(t, c, f.login(t, c, f.authURL(verifier)), "allow")
	require.Equal(t, testState, u.Query().Get("state"))
	code := u.Query().Get("code")
	require.NotEmpty(t, code)
	return code
}

func retrieveError(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "error %v is no *oauth2.RetrieveError", err)
	return re
}
