package passport_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-passport/passport/passport"
)

const fallback = "/home"

// hostileReturnTo are targets that SafeReturnTo must reject. Each would
// send the browser to another origin, run script, split a header or
// disguise the path.
var hostileReturnTo = []struct {
	name   string
	target string
}{
	{name: "empty", target: ""},
	{name: "protocol-relative", target: "//evil.example"},
	{name: "protocol-relative with path", target: "//evil.example/login"},
	{name: "triple slash", target: "///evil.example"},
	{name: "slash backslash", target: `/\evil.example`},
	{name: "double backslash", target: `\\evil.example`},
	{name: "backslash slash", target: `\/evil.example`},
	{name: "slash backslash slash", target: `/\/evil.example`},
	{name: "backslash inside path", target: `/a\b`},
	{name: "https URL", target: "https://evil.example/"},
	{name: "upper-case scheme", target: "HTTPS://evil.example/"},
	{name: "scheme without slashes", target: "http:evil.example"},
	{name: "scheme with one slash", target: "http:/evil.example"},
	{name: "loopback URL", target: "http://127.0.0.1/"},
	{name: "javascript", target: "javascript:alert(1)"},
	{name: "mixed-case javascript", target: "JaVaScRiPt:alert(1)"},
	{name: "javascript after space", target: " javascript:alert(1)"},
	{name: "data URL", target: "data:text/html,<script>alert(1)</script>"},
	{name: "vbscript", target: "vbscript:msgbox(1)"},
	{name: "mailto", target: "mailto:a@evil.example"},
	{name: "bare host", target: "evil.example"},
	{name: "relative path", target: "next/page"},
	{name: "NUL", target: "/\x00evil"},
	{name: "tab", target: "/a\tb"},
	{name: "tab after slash", target: "/\t/evil.example"},
	{name: "newline", target: "/a\nb"},
	{name: "carriage return", target: "/a\rb"},
	{name: "DEL", target: "/a\x7fb"},
	{name: "control char in query", target: "/a?next=\x01"},
	{name: "newline in fragment", target: "/a#\n"},
	{name: "space", target: "/a b"},
	{name: "leading space", target: " /a"},
	{name: "trailing space", target: "/a "},
	{name: "no-break space", target: "/a\u00a0b"},
	{name: "ideographic space", target: "/a\u3000b"},
	{name: "line separator", target: "/a\u2028b"},
	{name: "zero-width space", target: "/\u200b/evil.example"},
	{name: "right-to-left override", target: "/\u202eelpmaxe.live"},
	{name: "byte order mark", target: "/\ufeffa"},
	{name: "encoded slashes", target: "/%2F%2Fevil.example"},
	{name: "lower-case encoded slash", target: "/%2f/evil.example"},
	{name: "encoded without leading slash", target: "%2F%2Fevil.example"},
	{name: "encoded backslash", target: "/%5Cevil.example"},
	{name: "lower-case encoded backslash", target: "/%5cevil.example"},
	{name: "encoded double backslash", target: "/%5C%5Cevil.example"},
	{name: "encoded dot segment", target: "/%2e%2e/admin"},
	{name: "encoded dot segment and slash", target: "/%2E%2E%2Fadmin"},
	{name: "half-encoded dot segment", target: "/.%2e/admin"},
	{name: "encoded slash after dots", target: "/..%2Fadmin"},
	{name: "encoded single dot", target: "/%2e/admin"},
	{name: "double-encoded slashes", target: "/%252F%252Fevil.example"},
	{name: "double-encoded backslash", target: "/%255Cevil.example"},
	{name: "triple-encoded slashes", target: "/%25252F%25252Fevil.example"},
	{name: "quadruple-encoded slash", target: "/%2525252Fa"},
	{name: "encoded newline", target: "/%0a/evil.example"},
	{name: "encoded header split", target: "/%0d%0aSet-Cookie:%20a=1"},
	{name: "encoded NUL", target: "/%00"},
	{name: "encoded tab", target: "/%09/evil.example"},
	{name: "double-encoded newline", target: "/%250a"},
	{name: "encoded zero-width space", target: "/%E2%80%8B"},
	{name: "encoded overlong slash", target: "/%c0%af"},
	{name: "invalid escape", target: "/a%zz"},
	{name: "truncated escape", target: "/a%"},
	{name: "dot segment", target: "/./admin"},
	{name: "dot-dot segment", target: "/../admin"},
	{name: "climbing dot-dot", target: "/a/../../admin"},
	{name: "trailing dot-dot", target: "/a/.."},
	{name: "trailing dot", target: "/a/."},
	{name: "invalid UTF-8", target: "/\xff"},
	{name: "overlong UTF-8 slash", target: "/\xc0\xaf"},
	{name: "overlong", target: "/" + strings.Repeat("a", 2048)},
}

// legitimateReturnTo are same-origin paths that SafeReturnTo must return
// unchanged.
var legitimateReturnTo = []string{
	"/",
	"/dashboard",
	"/a/b?x=1&y=%2F#frag",
	"/files/my%20doc",
	"/search?q=http://x",
	"/search?q=%2F%2Fnot-a-host",
	"/orders/7?tab=items&sort=-date",
	"/caf\u00e9/men\u00fc",
	"/caf%C3%A9",
	"/path;param=1",
	"/a/b/#section-2",
	"/%7Euser/page",
	"/api/items?filter=name%3D%22x%22",
	"/a..b/c.d/.hidden",
	"/a?next=/b/../c",
	"/" + strings.Repeat("a", 2047),
}

func TestSafeReturnToRejects(t *testing.T) {
	assert.GreaterOrEqual(t, len(hostileReturnTo), 40)
	for _, tt := range hostileReturnTo {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, fallback, passport.SafeReturnTo(tt.target, fallback), "target %q", tt.target)
		})
	}
}

func TestSafeReturnToAccepts(t *testing.T) {
	assert.GreaterOrEqual(t, len(legitimateReturnTo), 10)
	for _, target := range legitimateReturnTo {
		name := target
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, target, passport.SafeReturnTo(target, fallback))
		})
	}
}

func TestSafeReturnToFallbackVerbatim(t *testing.T) {
	assert.Equal(t, "", passport.SafeReturnTo("//evil.example", ""))
	assert.Equal(t, "https://app.example/", passport.SafeReturnTo("//evil.example", "https://app.example/"))
}

func FuzzSafeReturnTo(f *testing.F) {
	for _, tt := range hostileReturnTo {
		f.Add(tt.target)
	}
	for _, target := range legitimateReturnTo {
		f.Add(target)
	}
	f.Fuzz(func(t *testing.T, target string) {
		got := passport.SafeReturnTo(target, fallback)
		if got == fallback {
			return
		}
		if got != target {
			t.Fatalf("SafeReturnTo(%q) = %q, want the target or the fallback", target, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) {
			t.Fatalf("SafeReturnTo(%q) accepted a target that is not a single-slash path", target)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("SafeReturnTo(%q) accepted a target url.Parse rejects: %v", target, err)
		}
		if u.Scheme != "" || u.Host != "" {
			t.Fatalf("SafeReturnTo(%q) accepted scheme %q host %q", target, u.Scheme, u.Host)
		}
	})
}
