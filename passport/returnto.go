package passport

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxReturnToLength bounds the return-to paths that SafeReturnTo accepts.
const maxReturnToLength = 2048

// SafeReturnTo returns target if it is a same-origin relative path that is
// safe to redirect to, and fallback otherwise. Every redirect whose target
// comes from a request (a callback parameter, a return-to path kept in the
// session or in an OAuth 2.0 flow) goes through it.
//
// It accepts a path that starts with one "/" and keeps its query and
// fragment byte for byte. It rejects:
//   - empty targets and targets longer than 2048 bytes;
//   - absolute URLs with any scheme in any case, including "javascript:"
//     and forms without slashes such as "http:evil.example";
//   - protocol-relative forms ("//host") and any backslash, which browsers
//     read as a slash;
//   - control characters, whitespace, invisible format characters and
//     invalid UTF-8 anywhere;
//   - dot segments ("." and "..") in the path;
//   - percent-encoded spellings of any of the above, such as "/%2F/host",
//     "/%5Chost", "/%2e%2e/" or "%0a", decoded up to three times; a
//     fourth layer of encoding is rejected. An encoded space ("%20") is
//     accepted.
//
// The fallback is returned as it is; it should be a constant of the app.
func SafeReturnTo(target, fallback string) string {
	if !safeReturnTo(target) {
		return fallback
	}
	return target
}

func safeReturnTo(target string) bool {
	if target == "" || len(target) > maxReturnToLength {
		return false
	}
	// Check the raw form, then each decoded form, so that an encoded
	// spelling cannot slip through a single decoding step.
	form := target
	for depth := 0; ; depth++ {
		if !plainSafe(form, depth > 0) {
			return false
		}
		decoded, err := url.PathUnescape(form)
		if err != nil {
			return false
		}
		if decoded == form {
			break
		}
		if depth == 3 {
			return false
		}
		form = decoded
	}
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	return u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}

// plainSafe checks one spelling of a target without decoding it. A decoded
// spelling may contain spaces, because "%20" is an ordinary part of paths
// and queries.
func plainSafe(s string, decoded bool) bool {
	if len(s) < 1 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' && decoded {
			continue
		}
		if r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
		if unicode.Is(unicode.Cf, r) {
			// Format characters such as U+200B and U+202E hide or
			// reorder what a path shows.
			return false
		}
	}
	path := s
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, segment := range strings.Split(path, "/") {
		if segment == "." || segment == ".." {
			return false
		}
	}
	return true
}
