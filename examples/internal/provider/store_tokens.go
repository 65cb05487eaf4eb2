package provider

import (
	"context"

	"github.com/ory/fosite"
)

// CreateAccessTokenSession stores req under the access token's signature
// and adds the token to its family.
func (s *store) CreateAccessTokenSession(_ context.Context, signature string, req fosite.Requester) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[signature] = req
	f := s.familyLocked(req.GetID())
	f.access = append(f.access, signature)
	return nil
}

// GetAccessTokenSession returns the request stored for an access token or
// fosite.ErrNotFound, also for a revoked one.
func (s *store) GetAccessTokenSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.access[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

// DeleteAccessTokenSession removes one access token.
func (s *store) DeleteAccessTokenSession(_ context.Context, signature string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.access, signature)
	return nil
}

// CreateRefreshTokenSession stores an active refresh token and adds it to
// its family.
func (s *store) CreateRefreshTokenSession(_ context.Context, signature, _ string, req fosite.Requester) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[signature] = storedRefresh{req: req, active: true}
	f := s.familyLocked(req.GetID())
	f.refresh = append(f.refresh, signature)
	return nil
}

// GetRefreshTokenSession returns the request stored for a refresh token.
// For a rotated or revoked token it returns the request together with
// fosite.ErrInactiveToken; fosite's refresh handler takes that as reuse
// and revokes the token's family.
func (s *store) GetRefreshTokenSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	if !rt.active {
		return rt.req, fosite.ErrInactiveToken
	}
	return rt.req, nil
}

// DeleteRefreshTokenSession removes one refresh token. fosite calls it for
// a reused token, which is then unknown rather than inactive.
func (s *store) DeleteRefreshTokenSession(_ context.Context, signature string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, signature)
	return nil
}

// RotateRefreshToken deactivates the refresh tokens of a family before
// fosite stores the new one. With revokeAccessOnRotate it also revokes
// the family's access tokens.
func (s *store) RotateRefreshToken(_ context.Context, requestID, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deactivateRefreshLocked(requestID)
	if s.revokeAccessOnRotate {
		s.revokeAccessLocked(requestID)
	}
	return nil
}

// RevokeRefreshToken deactivates every refresh token of a family.
func (s *store) RevokeRefreshToken(_ context.Context, requestID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deactivateRefreshLocked(requestID)
	return nil
}

// RevokeAccessToken removes every access token of a family.
func (s *store) RevokeAccessToken(_ context.Context, requestID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeAccessLocked(requestID)
	return nil
}

func (s *store) familyLocked(requestID string) *family {
	f, ok := s.families[requestID]
	if !ok {
		f = &family{}
		s.families[requestID] = f
	}
	return f
}

func (s *store) deactivateRefreshLocked(requestID string) {
	f, ok := s.families[requestID]
	if !ok {
		return
	}
	for _, sig := range f.refresh {
		if rt, ok := s.refresh[sig]; ok {
			rt.active = false
			s.refresh[sig] = rt
		}
	}
}

func (s *store) revokeAccessLocked(requestID string) {
	f, ok := s.families[requestID]
	if !ok {
		return
	}
	for _, sig := range f.access {
		delete(s.access, sig)
	}
	f.access = nil
}
