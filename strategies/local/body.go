package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-passport/passport/passport"
)

// User-facing messages of bodies that cannot provide credentials.
const (
	msgUnsupportedType = "unsupported content type"
	msgInvalidJSON     = "invalid JSON body"
	msgInvalidForm     = "invalid form body"
	msgInvalidFormat   = "invalid credentials format"
	msgTooLarge        = "request body too large"
	msgTooDeep         = "JSON body nested too deeply"
	msgUnreadable      = "cannot read request body"
)

// bodyError is a request body that cannot provide credentials.
type bodyError struct {
	// message is the user-facing message of the failure.
	message string
	// missing marks a body that contains no credentials this strategy can
	// read, such as one of an unsupported content type.
	missing bool
	cause   error
}

func (e *bodyError) Error() string {
	if e.cause == nil {
		return "local: " + e.message
	}
	return "local: " + e.message + ": " + e.cause.Error()
}

func (e *bodyError) Unwrap() error { return e.cause }

// result returns the 400 failure for e, carrying e as its cause.
func (e *bodyError) result() passport.Result {
	info := &passport.Info{Message: e.message}
	res := passport.FailWithInfo(info, http.StatusBadRequest)
	if e.missing {
		res = passport.Missing("", http.StatusBadRequest, info)
	}
	res.Err = e
	return res
}

// source is the parsed body that credentials are looked up in.
type source interface {
	lookup(f field) (string, *bodyError)
}

// readCredentials returns the username and password of the request body.
// An absent field is returned as "".
func (s *Strategy) readCredentials(r *http.Request) (username, password string, err *bodyError) {
	body, err := s.readBody(r)
	if err != nil {
		return "", "", err
	}
	if username, err = body.lookup(s.username); err != nil {
		return "", "", err
	}
	if password, err = body.lookup(s.password); err != nil {
		return "", "", err
	}
	return username, password, nil
}

// readBody parses the request body by its content type. A request without a
// body and without a Content-Type header has no credentials.
func (s *Strategy) readBody(r *http.Request) (source, *bodyError) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	mediaType := mediaTypeOf(r)
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		return s.readURLEncoded(r)
	case mediaType == "multipart/form-data":
		return s.readMultipart(r)
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return s.readJSON(r)
	case mediaType == "" && (r.Body == http.NoBody || r.ContentLength == 0):
		return formSource(nil), nil
	}
	return nil, &bodyError{message: msgUnsupportedType, missing: true, cause: fmt.Errorf("content type %q", mediaType)}
}

// mediaTypeOf returns the lowercase media type of the Content-Type header,
// the header as it is when it cannot be parsed, or "" when it is absent.
func mediaTypeOf(r *http.Request) string {
	header := r.Header.Get("Content-Type")
	if header == "" {
		return ""
	}
	mediaType, _, err := mime.ParseMediaType(header)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return header
	}
	return mediaType
}

// readAll reads the whole body, at most s.maxBodyBytes, and replaces r.Body
// with a reader of the same bytes so the handler can read it again.
func (s *Strategy) readAll(r *http.Request) ([]byte, *bodyError) {
	if r.ContentLength > s.maxBodyBytes {
		return nil, tooLarge(s.maxBodyBytes)
	}
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBodyBytes))
	if err != nil {
		return nil, s.readFailure(err, msgUnreadable)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return data, nil
}

// readFailure returns the error for a failed body read: too large when the
// limit was hit, else a failure with message.
func (s *Strategy) readFailure(err error, message string) *bodyError {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return tooLarge(s.maxBodyBytes)
	}
	return &bodyError{message: message, cause: err}
}

func tooLarge(limit int64) *bodyError {
	return &bodyError{message: msgTooLarge, cause: fmt.Errorf("limit is %d bytes", limit)}
}

// invalidFormat returns the error for a credential of the wrong shape.
func invalidFormat(f field, problem string) *bodyError {
	return &bodyError{message: msgInvalidFormat, cause: fmt.Errorf("field %q: %s", f.name, problem)}
}

// formSource is a parsed form body. A nil formSource is an empty body.
type formSource url.Values

// lookup returns the value of the form key of f. A key given more than once
// is ambiguous and rejected.
func (v formSource) lookup(f field) (string, *bodyError) {
	values := v[f.formKey]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		return values[0], nil
	}
	return "", invalidFormat(f, fmt.Sprintf("form key %q given %d times", f.formKey, len(values)))
}

// readURLEncoded parses an application/x-www-form-urlencoded body into
// r.PostForm, unless an earlier parse already filled it.
func (s *Strategy) readURLEncoded(r *http.Request) (source, *bodyError) {
	if r.PostForm != nil {
		return formSource(r.PostForm), nil
	}
	data, bodyErr := s.readAll(r)
	if bodyErr != nil {
		return nil, bodyErr
	}
	values, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, &bodyError{message: msgInvalidForm, cause: err}
	}
	r.PostForm = values
	return formSource(values), nil
}

// readMultipart parses a multipart/form-data body into r.MultipartForm and
// r.PostForm, unless an earlier parse already filled them. File parts stay
// in memory because the whole body is at most s.maxBodyBytes.
func (s *Strategy) readMultipart(r *http.Request) (source, *bodyError) {
	if r.PostForm != nil {
		return formSource(r.PostForm), nil
	}
	if r.ContentLength > s.maxBodyBytes {
		return nil, tooLarge(s.maxBodyBytes)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, s.maxBodyBytes)
	reader, err := r.MultipartReader()
	if err != nil {
		return nil, &bodyError{message: msgInvalidForm, cause: err}
	}
	form, err := reader.ReadForm(s.maxBodyBytes)
	if err != nil {
		return nil, s.readFailure(err, msgInvalidForm)
	}
	r.MultipartForm = form
	r.PostForm = url.Values(form.Value)
	return formSource(form.Value), nil
}

// jsonSource is a parsed JSON object body.
type jsonSource map[string]any

// lookup follows the path of f through nested objects. An absent key or a
// null is an absent field, and any value other than a string is rejected.
func (obj jsonSource) lookup(f field) (string, *bodyError) {
	var value any = map[string]any(obj)
	for i, key := range f.path {
		object, ok := value.(map[string]any)
		if !ok {
			return "", invalidFormat(f, fmt.Sprintf("%q is not a JSON object", strings.Join(f.path[:i], ".")))
		}
		value = object[key]
		if value == nil {
			return "", nil
		}
	}
	text, ok := value.(string)
	if !ok {
		return "", invalidFormat(f, "value is not a JSON string")
	}
	return text, nil
}

// readJSON parses a JSON body, which must be one object of UTF-8 text
// nested at most maxJSONDepth levels deep. An empty body has no
// credentials.
func (s *Strategy) readJSON(r *http.Request) (source, *bodyError) {
	data, bodyErr := s.readAll(r)
	if bodyErr != nil {
		return nil, bodyErr
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return formSource(nil), nil
	}
	if bodyErr := checkJSON(data); bodyErr != nil {
		return nil, bodyErr
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, &bodyError{message: msgInvalidJSON, cause: err}
	}
	object, ok := value.(map[string]any)
	if !ok {
		return nil, &bodyError{message: msgInvalidFormat, cause: errors.New("JSON body is not an object")}
	}
	return jsonSource(object), nil
}

// checkJSON rejects, before decoding, a body that is not UTF-8, which
// encoding/json would silently repair, and one nested too deeply.
func checkJSON(data []byte) *bodyError {
	if !utf8.Valid(data) {
		return &bodyError{message: msgInvalidJSON, cause: errors.New("body is not valid UTF-8")}
	}
	if jsonDepthExceeds(data, maxJSONDepth) {
		return &bodyError{message: msgTooDeep, cause: fmt.Errorf("maximum depth is %d", maxJSONDepth)}
	}
	return nil
}

// jsonDepthExceeds reports whether objects and arrays in data nest deeper
// than limit. It skips brackets inside strings and does not validate the
// rest of the syntax.
func jsonDepthExceeds(data []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}
