package local_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/local"
)

// fuzzSmallLimit is the MaxBodyBytes of the fuzz cases that test the body
// limit, small enough for the fuzzer's inputs to cross it.
const fuzzSmallLimit = 64

// FuzzLocalBody sends arbitrary content types and bodies to the strategy.
// The strategy must never panic or report an error outcome. A body it
// cannot use must fail with 400 and a message, and a body that parses
// must give verify exactly the credentials it contains.
func FuzzLocalBody(f *testing.F) {
	for _, seed := range localBodySeeds(f) {
		f.Add(seed.contentType, seed.body, seed.small)
	}
	f.Fuzz(func(t *testing.T, contentType, body string, small bool) {
		cfg, limit := local.Config{}, int64(64<<10)
		if small {
			cfg.MaxBodyBytes, limit = fuzzSmallLimit, fuzzSmallLimit
		}
		v := newVerifier()

		res := local.New(cfg, v.verify).Authenticate(newRequest(contentType, body))

		username, password, ok := expectedCredentials(contentType, body, limit)
		switch res.Outcome {
		case passport.OutcomeSuccess:
			require.True(t, ok, "success for a body without usable credentials")
			assert.Equal(t, 1, v.calls)
			assert.Equal(t, username, v.username)
			assert.Equal(t, password, v.password)
		case passport.OutcomeFail:
			require.NotNil(t, res.Info, "failure without a message")
			require.False(t, ok, "failure %q for a body with credentials %q / %q", res.Info.Message, username, password)
			assert.Equal(t, http.StatusBadRequest, res.Status)
			assert.NotEmpty(t, res.Info.Message)
			assert.Zero(t, v.calls)
		default:
			t.Fatalf("outcome %s (error %v), want success or a 400 failure", res.Outcome, res.Err)
		}
	})
}

type localBodySeed struct {
	contentType string
	body        string
	small       bool
}

func localBodySeeds(f *testing.F) []localBodySeed {
	multipartType, multipartBody := multipartSeed(f)
	return []localBodySeed{
		{formType, "username=alice&password=wonderland", false},
		{formType + "; charset=utf-8", "username=al%20ice&password=w%26l", false},
		{"APPLICATION/X-WWW-FORM-URLENCODED", "username=a&password=b", false},
		{formType, "username=a&username=b&password=c", false},
		{formType, "username=a;password=b", false},
		{formType, "username=%zz&password=b", false},
		{formType, "username=alice&password=wonderland&pad=" + strings.Repeat("x", 40), true},
		{"application/json", `{"username":"alice","password":"wonderland"}`, false},
		{"application/json; charset=utf-8", `{"username":"a","password":"b","username":"c"}`, false},
		{"application/vnd.api+json", `{"username":"\u0061","password":"\"[{"}`, false},
		{"application/json", `{"username":1,"password":"b"}`, false},
		{"application/json", `{"username":null,"password":"b"}`, false},
		{"application/json", `[{"username":"a","password":"b"}]`, false},
		{"application/json", `null`, false},
		{"application/json", "{\"username\":\"\xff\",\"password\":\"b\"}", false},
		{"application/json", `{"username":"a","password":"b","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, false},
		{"application/json", `{"username":"a","password":"b"`, false},
		{"application/json", "   ", false},
		{multipartType, multipartBody, false},
		{"multipart/form-data", multipartBody, false},
		{"multipart/form-data; boundary=", "--\r\n", false},
		{"text/plain", "username=a&password=b", false},
		{"", "username=a&password=b", false},
		{"", "", false},
		{"application/json; =", `{"username":"a","password":"b"}`, false},
		{"%%%", "x", false},
	}
}

// multipartSeed returns a multipart/form-data content type and body with
// credentials and a small file part.
func multipartSeed(f *testing.F) (string, string) {
	var body bytes.Buffer
	writer := multipart.NewWriter(&body)
	require.NoError(f, writer.WriteField("username", "alice"))
	require.NoError(f, writer.WriteField("password", "wonderland"))
	part, err := writer.CreateFormFile("avatar", "a.png")
	require.NoError(f, err)
	_, err = part.Write([]byte("png"))
	require.NoError(f, err)
	require.NoError(f, writer.Close())
	return writer.FormDataContentType(), body.String()
}

// expectedCredentials parses body independently of the strategy, with the
// documented rules, and returns the credentials it holds. The boolean is
// false when the strategy must not succeed with this body.
func expectedCredentials(contentType, body string, limit int64) (username, password string, ok bool) {
	if int64(len(body)) > limit {
		return "", "", false
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return "", "", false
	}
	switch {
	case mediaType == formType:
		values, err := url.ParseQuery(body)
		if err != nil {
			return "", "", false
		}
		return singleValues(values)
	case mediaType == "multipart/form-data" && err == nil:
		return multipartCredentials(body, params["boundary"], limit)
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return jsonCredentials(body)
	}
	return "", "", false
}

// singleValues returns the username and password of a form that has each
// key exactly once, with a non-empty value.
func singleValues(values map[string][]string) (string, string, bool) {
	usernames, passwords := values["username"], values["password"]
	if len(usernames) != 1 || len(passwords) != 1 {
		return "", "", false
	}
	return usernames[0], passwords[0], usernames[0] != "" && passwords[0] != ""
}

func multipartCredentials(body, boundary string, limit int64) (string, string, bool) {
	if boundary == "" {
		return "", "", false
	}
	form, err := multipart.NewReader(strings.NewReader(body), boundary).ReadForm(limit)
	if err != nil {
		return "", "", false
	}
	defer form.RemoveAll()
	return singleValues(form.Value)
}

// jsonCredentials reads the string fields username and password of a JSON
// object of UTF-8 text nested at most 32 levels deep.
func jsonCredentials(body string) (string, string, bool) {
	if !utf8.ValidString(body) {
		return "", "", false
	}
	var value any
	if err := json.Unmarshal([]byte(body), &value); err != nil {
		return "", "", false
	}
	object, isObject := value.(map[string]any)
	if !isObject || jsonDepth(body) > 32 {
		return "", "", false
	}
	username, _ := object["username"].(string)
	password, _ := object["password"].(string)
	return username, password, username != "" && password != ""
}

// jsonDepth returns the deepest nesting of objects and arrays in a valid
// JSON text.
func jsonDepth(body string) int {
	decoder := json.NewDecoder(strings.NewReader(body))
	depth, deepest := 0, 0
	for {
		token, err := decoder.Token()
		if err != nil {
			// io.EOF after the last token.
			return deepest
		}
		switch token {
		case json.Delim('{'), json.Delim('['):
			depth++
			deepest = max(deepest, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}
