package passport

import "strings"

// validChallenge reports whether s is a WWW-Authenticate challenge as
// RFC 9110, section 11.6.1 defines it:
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// A plain message such as "missing credentials" can look like a scheme
// and a token68, so strategies keep messages in [Info], not in challenges.
func validChallenge(s string) bool {
	scheme, rest, hasRest := strings.Cut(s, " ")
	if !isToken(scheme) {
		return false
	}
	if !hasRest {
		return true
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return false
	}
	if isToken68(rest) {
		return true
	}
	return validAuthParams(rest)
}

func validAuthParams(s string) bool {
	for s != "" {
		s = trimOWS(s)
		if s == "" || s[0] == ',' {
			s = strings.TrimPrefix(s, ",")
			continue
		}
		name, value, ok := strings.Cut(s, "=")
		if !ok || !isToken(trimOWS(name)) {
			return false
		}
		value = trimOWS(value)
		n := 0
		if strings.HasPrefix(value, `"`) {
			n = quotedStringEnd(value)
		} else {
			for n < len(value) && isTokenChar(value[n]) {
				n++
			}
		}
		if n <= 0 {
			return false
		}
		s = trimOWS(value[n:])
		if s != "" && s[0] != ',' {
			return false
		}
	}
	return true
}

// quotedStringEnd returns the index just past the quoted-string at the
// start of s, or -1 if it is not closed or contains a control character.
func quotedStringEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
			if i >= len(s) || (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f {
				return -1
			}
		case c == '"':
			return i + 1
		case (c < 0x20 && c != '\t') || c == 0x7f:
			return -1
		}
	}
	return -1
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if strings.IndexByte("-._~+/", c) < 0 {
			return false
		}
	}
	return true
}
