package passport

import (
	"hash/fnv"
	"sync"
	"time"
)

// SessionStore is the store interface of scs (scs.Store in
// github.com/alexedwards/scs/v2): session data by token.
type SessionStore interface {
	Find(token string) (data []byte, found bool, err error)
	Commit(token string, data []byte, expiry time.Time) error
	Delete(token string) error
}

// deletedPrefix marks the tombstone of a deleted session token. It contains
// a non-ASCII character (U+00B7), which net/http never accepts in a cookie
// value, so a forged session cookie can never name a tombstone.
const deletedPrefix = "passport\u00b7deleted:"

// GuardStore wraps a session store so that a session, once deleted, stays
// deleted. scs deletes a session's data on Destroy (logout) and on
// RenewToken (login), but a request that loaded the session earlier still
// commits its whole copy when it ends, which would bring the logged-out
// session back. The guard keeps a tombstone for each deleted token, in the
// same store and for lifetime (set it to the session manager's Lifetime),
// and drops later commits of that token.
//
//	sessions := scs.New()
//	sessions.Store = passport.GuardStore(sessions.Store, sessions.Lifetime)
//
// Within one process the check and the commit are atomic. With a store
// shared by several processes, a commit that reads the tombstone just
// before another process writes it can still land.
// NOTE: closing that gap needs a store with compare-and-set.
func GuardStore(store SessionStore, lifetime time.Duration) SessionStore {
	if store == nil {
		panic("passport: GuardStore: nil store")
	}
	return &guardedStore{store: store, lifetime: lifetime, now: time.Now}
}

type guardedStore struct {
	store    SessionStore
	lifetime time.Duration
	now      func() time.Time
	locks    [64]sync.Mutex
}

func (g *guardedStore) lock(token string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(token))
	return &g.locks[h.Sum32()%uint32(len(g.locks))]
}

// Find implements [SessionStore].
func (g *guardedStore) Find(token string) ([]byte, bool, error) {
	return g.store.Find(token)
}

// Commit implements [SessionStore]. It drops the commit of a deleted
// token and returns no error, so the request that made it still gets its
// response. That response's cookie then refers to no session.
func (g *guardedStore) Commit(token string, data []byte, expiry time.Time) error {
	lock := g.lock(token)
	lock.Lock()
	defer lock.Unlock()
	_, deleted, err := g.store.Find(deletedPrefix + token)
	if err != nil {
		return err
	}
	if deleted {
		return nil
	}
	return g.store.Commit(token, data, expiry)
}

// Delete implements [SessionStore]: it deletes the session and leaves a
// tombstone for it.
func (g *guardedStore) Delete(token string) error {
	lock := g.lock(token)
	lock.Lock()
	defer lock.Unlock()
	if err := g.store.Delete(token); err != nil {
		return err
	}
	return g.store.Commit(deletedPrefix+token, []byte{1}, g.now().Add(g.lifetime))
}
