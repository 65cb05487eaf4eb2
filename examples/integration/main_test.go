// Package integration tests the strategies together against the embedded
// fosite provider, with refresh-token rotation and reuse detection on.
package integration

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The transport's idle connections are closed by the servers'
		// Close, but their reader goroutines may take a moment to end.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		// scs.New starts a memstore whose cleanup goroutine runs for the
		// life of the process; stopping it races in scs v2.9.0.
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"),
	)
}
