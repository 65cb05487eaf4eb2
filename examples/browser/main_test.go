package browser

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var screenshotDir = flag.String("screenshot-dir", "", "directory for the PNG files of TestScreenshots (default: a temporary directory)")

// binDir is where the demo binary is built, once per test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "passport-browser")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser: cannot create the build directory:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
