package refresh_test

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// goroutineSlack is how many goroutines above the count before the tests
// still pass the leak check, for runtime and testing helpers that start
// lazily.
const goroutineSlack = 3

// scsCleanup is the function of the goroutine that scs.New starts for its
// memory store and that runs until the process exits.
const scsCleanup = "memstore.(*MemStore).startCleanup"

// TestMain fails the run when goroutines outlive the tests: detached
// refreshes, token calls and test servers must all have ended.
func TestMain(m *testing.M) {
	baseline, _ := countGoroutines()
	code := m.Run()
	if code == 0 {
		if count, stacks, ok := goroutinesSettle(baseline+goroutineSlack, 5*time.Second); !ok {
			fmt.Fprintf(os.Stderr, "goroutine leak: %d running besides scs cleanups, %d before the tests\n%s\n",
				count, baseline, stacks)
			code = 1
		}
	}
	os.Exit(code)
}

// countGoroutines returns the number of goroutines other than scs memory
// store cleanups, and the stacks of all goroutines.
func countGoroutines() (int, []byte) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, stack := range bytes.Split(buf, []byte("\n\n")) {
		if len(bytes.TrimSpace(stack)) > 0 && !bytes.Contains(stack, []byte(scsCleanup)) {
			count++
		}
	}
	return count, buf
}

// goroutinesSettle waits up to timeout for the goroutine count to drop to
// limit or below. It returns the last count and stacks, and whether the
// count dropped.
func goroutinesSettle(limit int, timeout time.Duration) (int, []byte, bool) {
	deadline := time.Now().Add(timeout)
	for {
		count, stacks := countGoroutines()
		if count <= limit {
			return count, stacks, true
		}
		if time.Now().After(deadline) {
			return count, stacks, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
