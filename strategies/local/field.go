package local

import (
	"errors"
	"fmt"
	"strings"
)

// field is a credential field of the request body.
type field struct {
	// name is the name as configured, for error messages.
	name string
	// path is the sequence of JSON object keys that leads to the value.
	path []string
	// formKey is the form key, such as "user[email]" for the path
	// user -> email.
	formKey string
}

// mustParseField parses a configured field name, or fallback when name is
// empty. It panics on a malformed name, naming the constructor and the
// Config field.
func mustParseField(caller, option, name, fallback string) field {
	if name == "" {
		name = fallback
	}
	path, err := parseFieldPath(name)
	if err != nil {
		panic(fmt.Sprintf("local: %s: invalid %s %q: %v", caller, option, name, err))
	}
	return field{name: name, path: path, formKey: formKey(path)}
}

// parseFieldPath splits a field name into its path. Dots separate the names
// before the first bracket, and each bracket pair that follows adds one
// name, so "a.b[c][d]" is the path a -> b -> c -> d. A name inside brackets
// is taken as it is, dots included.
func parseFieldPath(name string) ([]string, error) {
	head, rest, found := strings.Cut(name, "[")
	if strings.Contains(head, "]") {
		return nil, errors.New("']' before any '['")
	}
	path := strings.Split(head, ".")
	if found {
		rest = "[" + rest
	}
	for rest != "" {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return nil, errors.New("brackets must enclose each name after the first, as in user[email]")
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	for _, segment := range path {
		if segment == "" || strings.Contains(segment, "[") {
			return nil, errors.New("empty name, or '[' inside brackets")
		}
	}
	return path, nil
}

// formKey returns the form key of a path in bracket notation.
func formKey(path []string) string {
	var b strings.Builder
	b.WriteString(path[0])
	for _, segment := range path[1:] {
		b.WriteString("[" + segment + "]")
	}
	return b.String()
}
