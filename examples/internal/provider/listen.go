package provider

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listen starts a provider configured by cfg on addr, such as
// "127.0.0.1:9096", and serves it in a goroutine until the returned server
// is shut down. It sets cfg.Issuer from the address it listens on and
// returns that issuer; serving errors are logged to logger.
func Listen(addr string, cfg Config, logger *slog.Logger) (*http.Server, string, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("provider: cannot listen on %s: %w", addr, err)
	}
	cfg.Issuer = "http://" + listener.Addr().String()
	p, err := New(cfg)
	if err != nil {
		listener.Close()
		return nil, "", err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go Serve(srv, listener, logger)
	return srv, cfg.Issuer, nil
}

// Serve runs srv on listener and logs any error other than the one that a
// shutdown causes.
func Serve(srv *http.Server, listener net.Listener, logger *slog.Logger) {
	if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("server failed", "addr", listener.Addr().String(), "error", err)
	}
}
