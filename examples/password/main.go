// Command password runs the password-grant setup of
// passport-oauth2-middleware alone. Users log in with a form whose username
// and password the OAuth 2.0 provider checks, and the refresh strategy,
// registered as "main", keeps their tokens fresh. By default it runs an
// embedded provider (ory/fosite) with one user, alice / wonderland, and
// -token-url points it at another.
//
//	go run ./examples/password
//	go run ./examples/password -token-url https://auth.example/oauth2/token -client-id app -client-secret "$CLIENT_SECRET"
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
	"strings"
	"syscall"
	"time"

	"github.com/go-passport/passport/examples/internal/provider"
)

type options struct {
	addr         string
	providerAddr string
	tokenURL     string
	clientID     string
	clientSecret string
	scopes       string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("password", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8081", "app listen `address`")
	fs.StringVar(&o.providerAddr, "provider-addr", "127.0.0.1:9097", "embedded provider listen `address`")
	fs.StringVar(&o.tokenURL, "token-url", "", "token endpoint `URL` of an external provider (empty runs the embedded one)")
	fs.StringVar(&o.clientID, "client-id", "demo-app", "OAuth 2.0 client `ID`")
	fs.StringVar(&o.clientSecret, "client-secret", "demo-secret", "OAuth 2.0 client `secret`")
	fs.StringVar(&o.scopes, "scopes", "profile offline_access", "space-separated `scopes` to request")
	return o, fs.Parse(args)
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, logger); err != nil {
		logger.Error("app stopped", "error", err)
		os.Exit(1)
	}
}

// run starts the embedded provider, unless -token-url is set, and the app,
// and serves until ctx ends.
func run(ctx context.Context, o options, logger *slog.Logger) error {
	appListener, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", o.addr, err)
	}
	var servers []*http.Server
	if o.tokenURL == "" {
		srv, tokenURL, err := startProvider(o, logger)
		if err != nil {
			appListener.Close()
			return err
		}
		servers = append(servers, srv)
		o.tokenURL = tokenURL
	}
	a := newApp(appConfig{
		TokenURL: o.tokenURL, ClientID: o.clientID, ClientSecret: o.clientSecret,
		Scopes: strings.Fields(o.scopes), Logger: logger,
	})
	appServer := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	servers = append(servers, appServer)
	go provider.Serve(appServer, appListener, logger)
	logger.Info("app started", "url", "http://"+appListener.Addr().String()+"/login", "token_url", o.tokenURL)

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdownCtx)
	}
	logger.Info("app stopped")
	return nil
}

// startProvider starts the embedded provider, whose one user is alice with
// the password wonderland, and returns its server and token URL.
func startProvider(o options, logger *slog.Logger) (*http.Server, string, error) {
	srv, issuer, err := provider.Listen(o.providerAddr, provider.Config{
		ClientID:     o.clientID,
		ClientSecret: o.clientSecret,
		Logger:       logger.With("component", "provider"),
	}, logger)
	if err != nil {
		return nil, "", err
	}
	logger.Info("embedded provider started", "issuer", issuer, "login", "alice / wonderland")
	return srv, issuer + "/oauth2/token", nil
}
