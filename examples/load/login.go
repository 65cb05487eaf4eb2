package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// maxConcurrentLogins bounds the logins in flight, because each one makes
// the demo call its provider's token endpoint.
const maxConcurrentLogins = 4

// session is the Cookie header of one logged-in user.
type session struct {
	cookie string
}

// loopbackURL returns raw without a trailing slash when it is an http or
// https URL whose host is localhost or a loopback IP address.
func loopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid -base-url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("-base-url %q must be an http or https URL", raw)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("-base-url %q must be a loopback address, such as 127.0.0.1 or localhost", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// newClient returns a client that does not follow redirects, so that the
// login's 303 and its cookie are seen.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// logInAll logs o.users users in, at most maxConcurrentLogins at a time.
func logInAll(ctx context.Context, base string, o options) ([]session, error) {
	client := newClient(o.timeout)
	defer client.CloseIdleConnections()
	sessions := make([]session, o.users)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(maxConcurrentLogins)
	for i := range sessions {
		g.Go(func() error {
			s, err := logIn(ctx, client, base, o.username, o.password)
			sessions[i] = s
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return sessions, nil
}

// logIn posts the login form and returns the session that the response's
// cookies make.
func logIn(ctx context.Context, client *http.Client, base, username, password string) (session, error) {
	form := url.Values{"username": {username}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return session{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return session{}, fmt.Errorf("login of %s failed: %w", username, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return session{}, fmt.Errorf("login of %s: status %d, expected 303", username, resp.StatusCode)
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	if len(pairs) == 0 {
		return session{}, fmt.Errorf("login of %s: the response set no cookie", username)
	}
	return session{cookie: strings.Join(pairs, "; ")}, nil
}

// checkRoute sends one GET request to path with s and returns an error
// unless the response is 200.
func checkRoute(ctx context.Context, base, path string, s session, timeout time.Duration) error {
	client := newClient(timeout)
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", s.cookie)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s failed: %w", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("GET %s: status 404: for /api/me-session, start the demo with DEMO_BENCH_ROUTES=1 "+
			"(its Handler must call benchRoutes), or set -session-path", path)
	}
	return fmt.Errorf("GET %s: status %d, expected 200", path, resp.StatusCode)
}
