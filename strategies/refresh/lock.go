package refresh

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Locker is a lock per key, shared by the processes that serve one
// application from one [Store], such as app instances behind a load
// balancer. The strategy holds the lock of a ticket while it refreshes or
// ends the ticket, so that the token endpoint receives each refresh token
// at most once, even when requests of one session reach several processes
// at the same moment. Package github.com/go-passport/passport/strategies/refresh/redislock
// implements it with Redis.
//
// Lock blocks until it holds the lock of key, and returns an error when
// ctx ends first. It should return an error without waiting when the lock
// service cannot be reached. ctx bounds only the wait: the lock stays held
// until unlock is called or, for a [LeasedLocker], its lease ends. An error
// of unlock is logged, never returned to a request. Implementations must be
// safe for concurrent use. Keys are short printable strings that contain
// no ticket ID or token.
//
// A lock is not reentrant: one process that locks a key twice waits for
// itself. The strategy never does.
type Locker interface {
	Lock(ctx context.Context, key string) (unlock func() error, err error)
}

// LeasedLocker is a [Locker] whose locks expire after Lease even if they
// are never unlocked, so that a process that dies while it holds a lock
// blocks the refreshes of that ticket for at most Lease.
//
// [New] panics when Lease is shorter than Config.RefreshTimeout plus
// [MinLeaseMargin]. A lock that expired while its holder still waited for
// the token endpoint would let another process send the same refresh token,
// and a provider with reuse detection then revokes the whole token family.
type LeasedLocker interface {
	Locker
	// Lease returns how long a lock is held at most.
	Lease() time.Duration
}

// MinLeaseMargin is how much longer than Config.RefreshTimeout the lease
// of a [LeasedLocker] must be at least. The margin covers the store reads
// and writes around the token call, which RefreshTimeout does not bound.
const MinLeaseMargin = time.Second

// lockError reports a refresh that did not get its ticket's lock: the
// wait timed out or the lock service failed. It is transient.
type lockError struct{ err error }

func (e *lockError) Error() string { return "refresh: cannot lock ticket: " + e.err.Error() }
func (e *lockError) Unwrap() error { return e.err }

// checkLease panics when the lease of cfg.Locker cannot outlast a refresh.
func checkLease(cfg Config) {
	leased, ok := cfg.Locker.(LeasedLocker)
	if !ok {
		return
	}
	if lease := leased.Lease(); lease < cfg.RefreshTimeout+MinLeaseMargin {
		panic(fmt.Sprintf("refresh: New: Locker lease %s is too short: it must be at least RefreshTimeout (%s) plus %s",
			lease, cfg.RefreshTimeout, MinLeaseMargin))
	}
}

// lockKey returns the Locker key of ticket id. It hashes the ID, so that
// lock names and the errors and logs that carry them do not reveal it.
func lockKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "refresh:" + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// lockTicket takes the Locker's lock of ticket id, waiting at most
// LockWait. Without a Locker it returns at once: the flights and the
// striped mutex coordinate this process on their own.
func (s *Strategy) lockTicket(id string) (unlock func(), err error) {
	if s.cfg.Locker == nil {
		return func() {}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LockWait)
	defer cancel()
	release, err := s.cfg.Locker.Lock(ctx, lockKey(id))
	if err != nil {
		return nil, &lockError{err: err}
	}
	if release == nil {
		return func() {}, nil
	}
	return func() {
		if err := release(); err != nil {
			s.logLock("refresh: cannot unlock ticket", nil, err)
		}
	}, nil
}

// lockFailed handles a refresh that did not get its ticket's lock. It
// never calls the token endpoint, because the lock holder may be spending
// the refresh token that this process has. It reads the ticket again and
// returns it if another process refreshed it meanwhile, else the
// transient lockErr.
func (s *Strategy) lockFailed(id string, lockErr error) (*record, error) {
	rec, err := s.load(id)
	if err != nil {
		s.logLock("refresh: cannot lock ticket", nil, lockErr)
		return nil, err
	}
	now := s.cfg.Now()
	if !rec.Ticket.needsRefresh(now, s.cfg.RefreshWindow) {
		return rec, nil
	}
	s.logLock("refresh: cannot lock ticket", rec, lockErr)
	s.backoff.Store(id, now.Add(s.cfg.RetryAfter))
	return nil, lockErr
}

func (s *Strategy) logLock(message string, rec *record, err error) {
	if s.cfg.Logger == nil {
		return
	}
	attrs := []slog.Attr{slog.Any("error", err)}
	if rec != nil {
		attrs = append(attrs, slog.String("user", rec.user().Name))
	}
	s.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, message, attrs...)
}

// isLockFailure reports whether err is a lock that could not be taken.
func isLockFailure(err error) bool {
	var lockErr *lockError
	return errors.As(err, &lockErr)
}
