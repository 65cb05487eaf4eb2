package provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"maps"
	"sync"
	"time"

	"github.com/ory/fosite"
)

// store is the in-memory fosite storage. It implements fosite.Storage,
// the oauth2 core, revocation and password storages and the PKCE storage.
// One mutex guards every map, unlike fosite's storage.MemoryStore (v0.49.0),
// whose RevokeRefreshToken writes the refresh token map under another
// lock than its readers use.
//
// NOTE: nothing is evicted; expired codes and tokens stay until the
// process exits.
type store struct {
	mu      sync.Mutex
	clients map[string]fosite.Client
	codes   map[string]storedCode
	pkce    map[string]fosite.Requester
	access  map[string]fosite.Requester
	refresh map[string]storedRefresh
	// families maps a fosite request ID, shared by every token that one
	// grant and its refreshes issued, to the signatures of those tokens.
	families map[string]*family
	jtis     map[string]time.Time

	// users is never written after newStore, so it needs no lock.
	users                map[string]string
	revokeAccessOnRotate bool
}

type storedCode struct {
	req    fosite.Requester
	active bool
}

type storedRefresh struct {
	req    fosite.Requester
	active bool
}

type family struct {
	access  []string
	refresh []string
}

func newStore(users map[string]string, revokeAccessOnRotate bool) *store {
	return &store{
		clients:              map[string]fosite.Client{},
		codes:                map[string]storedCode{},
		pkce:                 map[string]fosite.Requester{},
		access:               map[string]fosite.Requester{},
		refresh:              map[string]storedRefresh{},
		families:             map[string]*family{},
		jtis:                 map[string]time.Time{},
		users:                maps.Clone(users),
		revokeAccessOnRotate: revokeAccessOnRotate,
	}
}

func (s *store) addClient(c fosite.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.GetID()] = c
}

// GetClient returns the client with the given ID or fosite.ErrNotFound.
func (s *store) GetClient(_ context.Context, id string) (fosite.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return c, nil
}

// ClientAssertionJWTValid returns fosite.ErrJTIKnown if jti was recorded
// and has not expired. The client here cannot use JWT assertions, so
// fosite rejects them before it gets this far.
func (s *store) ClientAssertionJWTValid(_ context.Context, jti string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.jtis[jti]; ok && exp.After(time.Now()) {
		return fosite.ErrJTIKnown
	}
	return nil
}

// SetClientAssertionJWT records jti until exp.
func (s *store) SetClientAssertionJWT(_ context.Context, jti string, exp time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.jtis[jti]; ok && old.After(time.Now()) {
		return fosite.ErrJTIKnown
	}
	s.jtis[jti] = exp
	return nil
}

// Authenticate checks a username and password and returns the username as
// the subject, or fosite.ErrNotFound, which fosite's password grant turns
// into invalid_grant. It compares SHA-256 digests in constant time and
// does so for unknown users too.
func (s *store) Authenticate(_ context.Context, name, password string) (string, error) {
	want, known := s.users[name]
	wantSum := sha256.Sum256([]byte(want))
	gotSum := sha256.Sum256([]byte(password))
	match := subtle.ConstantTimeCompare(wantSum[:], gotSum[:]) == 1
	if !known || !match {
		return "", fosite.ErrNotFound
	}
	return name, nil
}

// CreateAuthorizeCodeSession stores req under the code's signature.
func (s *store) CreateAuthorizeCodeSession(_ context.Context, signature string, req fosite.Requester) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[signature] = storedCode{req: req, active: true}
	return nil
}

// GetAuthorizeCodeSession returns the request stored for a code. For a
// used code it returns the request together with
// fosite.ErrInvalidatedAuthorizeCode, so fosite can revoke the tokens that
// the code issued.
func (s *store) GetAuthorizeCodeSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	if !c.active {
		return c.req, fosite.ErrInvalidatedAuthorizeCode
	}
	return c.req, nil
}

// InvalidateAuthorizeCodeSession marks a code as used.
func (s *store) InvalidateAuthorizeCodeSession(_ context.Context, signature string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[signature]
	if !ok {
		return fosite.ErrNotFound
	}
	c.active = false
	s.codes[signature] = c
	return nil
}

// CreatePKCERequestSession stores the code challenge of a code.
func (s *store) CreatePKCERequestSession(_ context.Context, signature string, req fosite.Requester) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pkce[signature] = req
	return nil
}

// GetPKCERequestSession returns the code challenge of a code or
// fosite.ErrNotFound.
func (s *store) GetPKCERequestSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.pkce[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

// DeletePKCERequestSession removes the code challenge of a code.
func (s *store) DeletePKCERequestSession(_ context.Context, signature string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pkce, signature)
	return nil
}
