package oauth2

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxTokenResponse is how much of a token response x/oauth2 v0.38.0 reads,
// and so how much tokenTransport keeps.
const maxTokenResponse = 1 << 20

// tokenTransport is the HTTP transport of one token call. It adds the
// configured TokenParams to the request form and keeps a copy of the
// response body, because x/oauth2 exposes only some fields of a token
// response. It is used by one goroutine at a time: x/oauth2 sends the
// request and reads the body in the calling goroutine.
type tokenTransport struct {
	base   *http.Client
	params url.Values

	status      int
	contentType string
	body        bytes.Buffer
}

func newTokenTransport(base *http.Client, params url.Values) *tokenTransport {
	return &tokenTransport{base: base, params: params}
}

// client returns a copy of the base client that sends through t.
func (t *tokenTransport) client() *http.Client {
	return &http.Client{
		Transport:     t,
		CheckRedirect: t.base.CheckRedirect,
		Jar:           t.base.Jar,
		Timeout:       t.base.Timeout,
	}
}

// RoundTrip implements [http.RoundTripper].
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := t.addParams(req)
	if err != nil {
		return nil, err
	}
	base := t.base.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.status = resp.StatusCode
	t.contentType = resp.Header.Get("Content-Type")
	t.body.Reset()
	resp.Body = &recordingBody{ReadCloser: resp.Body, copy: &t.body}
	return resp, nil
}

// addParams returns a copy of req whose form has the TokenParams that it
// does not set itself. It closes the body of req, as a RoundTripper must.
func (t *tokenTransport) addParams(req *http.Request) (*http.Request, error) {
	if len(t.params) == 0 || req.Body == nil {
		return req, nil
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, err
	}
	for key, values := range t.params {
		if _, set := form[key]; !set {
			form[key] = values
		}
	}
	encoded := form.Encode()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(strings.NewReader(encoded))
	out.ContentLength = int64(len(encoded))
	out.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(encoded)), nil
	}
	return out, nil
}

// response returns the recorded response body.
func (t *tokenTransport) response() recordedBody {
	return recordedBody{contentType: t.contentType, data: t.body.Bytes()}
}

// recordingBody copies what is read from a response body, up to
// maxTokenResponse bytes.
type recordingBody struct {
	io.ReadCloser
	copy *bytes.Buffer
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxTokenResponse - b.copy.Len(); room > 0 {
		b.copy.Write(p[:min(n, room)])
	}
	return n, err
}
