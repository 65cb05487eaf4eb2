// Command refresh is the demo of the refresh strategy: the Passport.js
// example app of passport-oauth2-middleware, in Go with chi and scs. By
// default it runs an embedded OAuth 2.0 provider (ory/fosite) with one user,
// alice / wonderland; the -auth-url family of flags points it at another.
//
//	go run ./examples/refresh
//	go run ./examples/refresh -token-ttl 20s -refresh-window 5s
//	go run ./examples/refresh -redis-url redis://127.0.0.1:6379/0
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-passport/passport/examples/internal/provider"
	"github.com/go-passport/passport/strategies/refresh"
)

type options struct {
	addr          string
	providerAddr  string
	tokenTTL      time.Duration
	refreshWindow time.Duration
	authURL       string
	tokenURL      string
	clientID      string
	clientSecret  string
	scopes        string
	apiURL        string
	userinfoURL   string
	redisURL      string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("refresh", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "app listen `address`")
	fs.StringVar(&o.providerAddr, "provider-addr", "127.0.0.1:9096", "embedded provider listen `address`")
	fs.DurationVar(&o.tokenTTL, "token-ttl", time.Minute, "access-token lifetime issued by the embedded provider")
	fs.DurationVar(&o.refreshWindow, "refresh-window", 10*time.Second, "refresh the access token this long before it expires (0 refreshes at expiry)")
	fs.StringVar(&o.authURL, "auth-url", "", "authorization endpoint `URL` of an external provider (empty runs the embedded one)")
	fs.StringVar(&o.tokenURL, "token-url", "", "token endpoint `URL` of an external provider")
	fs.StringVar(&o.clientID, "client-id", "demo-app", "OAuth 2.0 client `ID`")
	fs.StringVar(&o.clientSecret, "client-secret", "demo-secret", "OAuth 2.0 client `secret`")
	fs.StringVar(&o.scopes, "scopes", "profile offline_access api", "space- or comma-separated `scopes` to request")
	fs.StringVar(&o.apiURL, "api-url", "", "resource endpoint `URL` that /api/data calls with the access token (embedded provider: its /api/data)")
	fs.StringVar(&o.userinfoURL, "userinfo-url", "", "userinfo endpoint `URL` of an external provider, for the user name of code-flow logins (optional)")
	fs.StringVar(&o.redisURL, "redis-url", "", "Redis `URL` such as redis://127.0.0.1:6379/0 for sessions, tickets and refresh locks shared by several instances (empty keeps them in memory)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if (o.authURL == "") != (o.tokenURL == "") {
		return o, errors.New("set both -auth-url and -token-url, or neither for the embedded provider")
	}
	if o.authURL != "" && o.apiURL == "" {
		return o, errors.New("-api-url is required with an external provider")
	}
	if o.tokenTTL <= 0 {
		return o, errors.New("-token-ttl must be positive")
	}
	if o.refreshWindow < 0 {
		return o, errors.New("-refresh-window must not be negative")
	}
	return o, nil
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refresh:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, logger); err != nil {
		logger.Error("demo stopped", "error", err)
		os.Exit(1)
	}
}

// run starts the provider (unless external) and the app, and serves until
// ctx ends.
func run(ctx context.Context, o options, logger *slog.Logger) error {
	var backend *redisBackend
	if o.redisURL != "" {
		opened, err := openRedis(o.redisURL, logger)
		if err != nil {
			return err
		}
		defer opened.Close()
		backend = opened
	}
	appListener, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", o.addr, err)
	}
	cfg := appConfig{
		AuthURL: o.authURL, TokenURL: o.tokenURL, APIURL: o.apiURL, UserinfoURL: o.userinfoURL,
		ClientID: o.clientID, ClientSecret: o.clientSecret, Scopes: splitScopes(o.scopes),
		RefreshWindow: refreshWindow(o.refreshWindow), Logger: logger, Redis: backend,
	}
	var servers []*http.Server
	if o.authURL == "" {
		srv, err := startProvider(o, appListener.Addr().String(), &cfg, logger)
		if err != nil {
			appListener.Close()
			return err
		}
		servers = append(servers, srv)
	}
	app := newApp(cfg)
	appServer := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	servers = append(servers, appServer)
	go provider.Serve(appServer, appListener, logger)
	if o.authURL == "" {
		logger.Info("demo started", "app", "http://"+appListener.Addr().String(), "login", "alice / wonderland",
			"token_ttl", o.tokenTTL, "refresh_window", o.refreshWindow)
	} else {
		logger.Info("demo started", "app", "http://"+appListener.Addr().String(), "provider", o.authURL,
			"refresh_window", o.refreshWindow)
	}

	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdownCtx)
	}
	logger.Info("demo stopped")
	return nil
}

// refreshWindow maps the flag, where 0 means refresh at expiry, to the
// strategy's setting.
func refreshWindow(d time.Duration) time.Duration {
	if d == 0 {
		return refresh.AtExpiry
	}
	return d
}

// startProvider starts the embedded provider and points cfg at it.
func startProvider(o options, appAddr string, cfg *appConfig, logger *slog.Logger) (*http.Server, error) {
	srv, issuer, err := provider.Listen(o.providerAddr, provider.Config{
		ClientID:            o.clientID,
		ClientSecret:        o.clientSecret,
		RedirectURIs:        callbackURLs(appAddr),
		AccessTokenLifespan: o.tokenTTL,
		Logger:              logger.With("component", "provider"),
	}, logger)
	if err != nil {
		return nil, err
	}
	cfg.AuthURL = issuer + "/oauth2/auth"
	cfg.TokenURL = issuer + "/oauth2/token"
	cfg.APIURL = issuer + "/api/data"
	cfg.UserinfoURL = issuer + "/api/userinfo"
	logger.Info("embedded provider started", "issuer", issuer)
	return srv, nil
}

// callbackURLs lists the redirect URIs of the app at appAddr, under both
// loopback names, so a browser may use either.
func callbackURLs(appAddr string) []string {
	_, port, _ := net.SplitHostPort(appAddr)
	return []string{
		"http://" + appAddr + "/oauth/callback",
		"http://127.0.0.1:" + port + "/oauth/callback",
		"http://localhost:" + port + "/oauth/callback",
	}
}
