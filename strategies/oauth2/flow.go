package oauth2

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/go-passport/passport/passport"
)

// flow is an authorization request that waits for its callback. The
// session keeps the pending flows of one strategy as a single JSON string
// that maps each state to its flow, so that scs's gob codec stores it
// without any gob.Register call.
type flow struct {
	// Verifier is the PKCE code verifier, "" with SkipPKCE.
	Verifier string `json:"verifier,omitempty"`
	// RedirectURL is the redirect_uri of the authorization request, which
	// the token request must repeat (RFC 6749, section 4.1.3).
	RedirectURL string `json:"redirect_uri"`
	// ReturnTo is the path to continue to after the login, or "".
	ReturnTo string    `json:"return_to,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
}

// flows maps each state to its pending flow.
type flows map[string]flow

// loadFlows returns the pending flows of the session. A missing or
// unreadable value means none.
func (s *Strategy) loadFlows(ctx context.Context, sessions passport.Session) flows {
	pending := make(flows)
	raw, _ := sessions.Get(ctx, s.cfg.SessionKey).(string)
	if raw == "" {
		return pending
	}
	if err := json.Unmarshal([]byte(raw), &pending); err != nil {
		return make(flows)
	}
	return pending
}

// saveFlows writes the pending flows back, removing the key when none is
// left.
func (s *Strategy) saveFlows(ctx context.Context, sessions passport.Session, pending flows) {
	if len(pending) == 0 {
		sessions.Remove(ctx, s.cfg.SessionKey)
		return
	}
	raw, err := json.Marshal(pending)
	if err != nil {
		// Unreachable: a flow has only strings and times.
		return
	}
	sessions.Put(ctx, s.cfg.SessionKey, string(raw))
}

// addFlow stores a new pending flow under state. It drops expired flows
// and then the oldest ones beyond MaxPendingFlows.
//
// NOTE: scs commits a whole session, last writer wins, so two first legs
// running at the same moment in one session can keep only one new flow.
func (s *Strategy) addFlow(ctx context.Context, sessions passport.Session, state string, pending flow) {
	all := s.loadFlows(ctx, sessions)
	all.dropExpired(s.cfg.Now())
	all[state] = pending
	all.keepNewest(s.cfg.MaxPendingFlows)
	s.saveFlows(ctx, sessions, all)
}

// takeFlow removes the flow of state from the session and returns it. The
// boolean is false when state names no flow or an expired one.
func (s *Strategy) takeFlow(ctx context.Context, sessions passport.Session, state string) (flow, bool) {
	all := s.loadFlows(ctx, sessions)
	if len(all) == 0 {
		return flow{}, false
	}
	all.dropExpired(s.cfg.Now())
	pending, ok := all[state]
	delete(all, state)
	s.saveFlows(ctx, sessions, all)
	return pending, ok && state != ""
}

func (f flows) dropExpired(now time.Time) {
	for state, pending := range f {
		if !now.Before(pending.Expires) {
			delete(f, state)
		}
	}
}

// keepNewest drops the oldest flows until at most limit remain. Flows created
// at the same instant are ordered by state.
func (f flows) keepNewest(limit int) {
	if len(f) <= limit {
		return
	}
	states := make([]string, 0, len(f))
	for state := range f {
		states = append(states, state)
	}
	sort.Slice(states, func(i, j int) bool {
		a, b := f[states[i]], f[states[j]]
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return states[i] < states[j]
	})
	for _, state := range states[:len(states)-limit] {
		delete(f, state)
	}
}
