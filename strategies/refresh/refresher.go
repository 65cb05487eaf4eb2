package refresh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-passport/passport/strategies/oauth2"
)

// load returns the ticket record of id, or errTicketEnded when there is no
// usable one.
func (s *Strategy) load(id string) (*record, error) {
	b, found, err := s.cfg.Store.Find(storeKey(id))
	if err != nil {
		return nil, fmt.Errorf("refresh: cannot load ticket: %w", s.storeUnavailable(err))
	}
	if !found {
		return nil, errTicketEnded
	}
	rec, err := s.records.decode(id, b)
	if err != nil {
		return nil, err
	}
	if rec.LoggedOut || rec.Ticket == nil {
		return nil, errTicketEnded
	}
	return rec, nil
}

func (s *Strategy) save(id string, rec *record) error {
	b, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	// Stores compare expiry with the wall clock, so Config.Now, which
	// tests and simulations move, must not set it.
	expiry := time.Now().Add(s.cfg.TicketLifetime)
	if err := s.cfg.Store.Commit(storeKey(id), b, expiry); err != nil {
		return fmt.Errorf("refresh: cannot save ticket: %w", s.storeUnavailable(err))
	}
	return nil
}

// current returns the ticket record of id with an access token outside the
// refresh window, refreshing it first if needed. On a failed refresh it
// returns the record as it was, with the error.
func (s *Strategy) current(ctx context.Context, id string) (*record, error) {
	rec, err := s.load(id)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	if !rec.Ticket.needsRefresh(now, s.cfg.RefreshWindow) {
		return rec, nil
	}
	if rec.Ticket.Valid(now) && s.backingOff(id, now) {
		// The provider failed moments ago and the token still works:
		// serve with it instead of making every request wait on the
		// provider.
		return rec, nil
	}
	refreshed, err := s.refresh(ctx, id)
	if err != nil {
		return rec, err
	}
	return refreshed, nil
}

// refresh runs one refresh per ticket at a time: concurrent callers share
// the flight and its result. The flight is detached from ctx, so a caller
// that goes away does not abandon a refresh whose new refresh token the
// provider has already issued.
func (s *Strategy) refresh(ctx context.Context, id string) (*record, error) {
	ch := s.flights.DoChan(id, func() (any, error) {
		return s.refreshDetached(id)
	})
	select {
	case res := <-ch:
		rec, _ := res.Val.(*record)
		return rec, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refreshDetached runs one flight. With a Locker it holds the ticket's lock
// from before the record is read until after the refreshed one is saved,
// so that a flight of another process cannot send the same refresh token.
func (s *Strategy) refreshDetached(id string) (*record, error) {
	unlock, err := s.lockTicket(id)
	if err != nil {
		return s.lockFailed(id, err)
	}
	defer unlock()

	// The timeout starts once the lock is held, so that the lease, which
	// New checks against RefreshTimeout, outlasts the token call.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RefreshTimeout)
	defer cancel()

	// Read the record again inside the flight: a flight that ended just
	// before this one started, here or in another process, has already
	// spent the refresh token that a caller's older copy holds.
	rec, err := s.load(id)
	if err != nil {
		return nil, err
	}
	if !rec.Ticket.needsRefresh(s.cfg.Now(), s.cfg.RefreshWindow) {
		return rec, nil
	}

	ticket, err := s.callTokenEndpoint(ctx, rec)
	if isTransient(err) {
		s.backoff.Store(id, s.cfg.Now().Add(s.cfg.RetryAfter))
	} else {
		s.backoff.Delete(id)
	}
	if err != nil {
		return nil, err
	}
	return s.saveRefreshed(id, rec.Version, ticket)
}

// callTokenEndpoint refreshes the access token of rec and reports the
// attempt.
func (s *Strategy) callTokenEndpoint(ctx context.Context, rec *record) (*Ticket, error) {
	provider := s.oauth2Strategy()
	if provider == nil {
		return nil, ErrNoOAuth2Strategy
	}
	if rec.Ticket.RefreshToken == "" {
		s.report(rec, 0, ErrNoRefreshToken)
		return nil, ErrNoRefreshToken
	}
	start := time.Now()
	tok, err := provider.Refresh(ctx, rec.Ticket.RefreshToken)
	s.report(rec, time.Since(start), err)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	ticket := newTicket(tok, now, s.cfg.DefaultExpiresIn)
	ticket.RefreshedAt = now
	if ticket.RefreshToken == "" {
		ticket.RefreshToken = rec.Ticket.RefreshToken
	}
	if ticket.IDToken == "" {
		ticket.IDToken = rec.Ticket.IDToken
	}
	if ticket.Scope == "" {
		ticket.Scope = rec.Ticket.Scope
	}
	return ticket, nil
}

// saveRefreshed writes the refreshed ticket unless a logout ended the ticket
// while the token call ran.
func (s *Strategy) saveRefreshed(id string, version int64, ticket *Ticket) (*record, error) {
	lock := s.ticketLock(id)
	lock.Lock()
	defer lock.Unlock()

	current, err := s.load(id)
	if err != nil {
		// NOTE: the provider has issued tokens that no request will use.
		// They expire on their own.
		return nil, err
	}
	if current.Version != version {
		return current, nil
	}
	current.Version++
	current.Ticket = ticket
	if err := s.save(id, current); err != nil {
		return nil, err
	}
	return current, nil
}

// endTicket marks the ticket of id as ended, so that a refresh finishing
// later does not bring it back. With a Locker it waits for a refresh that
// another process is running, at most LockWait.
func (s *Strategy) endTicket(id string) error {
	unlock, err := s.lockTicket(id)
	if err != nil {
		// NOTE: ending the ticket without the lock lets a refresh that
		// another process is saving at this moment overwrite the end mark.
		s.logLock("refresh: ending ticket without its lock", nil, err)
		unlock = func() {}
	}
	defer unlock()

	lock := s.ticketLock(id)
	lock.Lock()
	defer lock.Unlock()
	return s.save(id, &record{LoggedOut: true})
}

func (s *Strategy) report(rec *record, took time.Duration, err error) {
	event := RefreshEvent{User: rec.user().Name, Outcome: "refreshed", Err: err, Duration: took}
	switch {
	case err == nil:
	case isTerminal(err):
		event.Outcome = "terminal_failure"
	case isTransient(err):
		event.Outcome = "transient_failure"
	default:
		event.Outcome = "error"
	}
	event.Code = errorCode(err)
	if s.cfg.OnRefresh != nil {
		s.cfg.OnRefresh(event)
	}
	if s.cfg.Logger == nil {
		return
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("user", event.User),
		slog.String("outcome", event.Outcome),
		slog.Duration("duration", took),
	}
	if err != nil {
		attrs = append(attrs, slog.String("code", event.Code), slog.Any("error", err))
	}
	s.cfg.Logger.LogAttrs(context.Background(), level, "refresh: access token refresh", attrs...)
}

func (rec *record) user() *User {
	if rec.User == nil {
		return &User{}
	}
	return rec.User
}

// storeUnavailable marks a store failure as transient, so that requests
// get 503 while the store is down.
func (s *Strategy) storeUnavailable(err error) error {
	return &storeError{err: err}
}

type storeError struct{ err error }

func (e *storeError) Error() string { return "store unavailable: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func errorCode(err error) string {
	var tokenErr *oauth2.TokenError
	if errors.As(err, &tokenErr) {
		return safeCode(tokenErr.Code)
	}
	return ""
}

// backingOff reports whether a transient failure of the ticket's last
// refresh is more recent than RetryAfter.
func (s *Strategy) backingOff(id string, now time.Time) bool {
	until, ok := s.backoff.Load(id)
	if !ok {
		return false
	}
	if now.Before(until.(time.Time)) {
		return true
	}
	s.backoff.CompareAndDelete(id, until)
	return false
}
