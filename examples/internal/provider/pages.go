package provider

import (
	"bytes"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/ory/fosite"
)

// pageContext contains the fields that the login and consent pages share:
// the client, the authorization parameters carried in hidden fields and
// the form token.
type pageContext struct {
	Issuer   string
	ClientID string
	Hidden   []hiddenField
	Token    string // set by showLogin and showConsent

	binding string
	params  url.Values
}

type hiddenField struct{ Name, Value string }

type loginPage struct {
	pageContext
	Username string
	Error    string
}

type consentPage struct {
	pageContext
	Username string
	Scopes   []scopeItem
}

type scopeItem struct{ Name, Description string }

func (p *Provider) pageContext(ar fosite.AuthorizeRequester, params url.Values, binding string) pageContext {
	return pageContext{
		Issuer:   p.cfg.Issuer,
		ClientID: clientID(ar),
		Hidden:   hiddenFields(params),
		binding:  binding,
		params:   params,
	}
}

// hiddenFields flattens params into name and value pairs sorted by name.
func hiddenFields(params url.Values) []hiddenField {
	var fields []hiddenField
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, value := range params[name] {
			fields = append(fields, hiddenField{Name: name, Value: value})
		}
	}
	return fields
}

// showLogin renders the login page with a new form token.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request, status int, page loginPage) {
	token, err := p.forms.issue(formEntry{binding: page.binding, params: paramsDigest(page.params)})
	page.Token = token
	p.render(w, r, status, "login", page, err)
}

// showConsent renders the consent page with a new form token bound to the
// signed-in user.
func (p *Provider) showConsent(w http.ResponseWriter, r *http.Request, page consentPage) {
	token, err := p.forms.issue(formEntry{
		binding:  page.binding,
		params:   paramsDigest(page.params),
		username: page.Username,
	})
	page.Token = token
	p.render(w, r, http.StatusOK, "consent", page, err)
}

// render writes the named template, or 503 if the form token could not be
// issued.
func (p *Provider) render(w http.ResponseWriter, r *http.Request, status int, name string, data any, tokenErr error) {
	var buf bytes.Buffer
	err := tokenErr
	if err == nil {
		err = pages.ExecuteTemplate(&buf, name, data)
	}
	if err != nil {
		p.logger.LogAttrs(r.Context(), slog.LevelError, "provider: cannot render page",
			slog.String("page", name), slog.Any("error", err))
		http.Error(w, "provider: page unavailable, try again later", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// scopeDescriptions explains the default scopes on the consent page.
var scopeDescriptions = map[string]string{
	"profile":        "read your username",
	"offline_access": "stay signed in with a refresh token",
	"api":            "call the demo API on your behalf",
}

func describeScopes(scopes []string) []scopeItem {
	items := make([]scopeItem, 0, len(scopes))
	for _, s := range scopes {
		d, ok := scopeDescriptions[s]
		if !ok {
			d = "access granted under this scope"
		}
		items = append(items, scopeItem{Name: s, Description: d})
	}
	return items
}

var pages = template.Must(template.New("pages").Parse(`
{{define "style"}}<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f3f4f6;color:#111827;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
main{box-sizing:border-box;width:min(100% - 2rem,26rem);background:#fff;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.15);padding:2rem}
h1{font-size:1.4rem;margin:0 0 .25rem}
.lead{margin:0 0 1.25rem;color:#374151}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=password]{box-sizing:border-box;width:100%;margin-top:.25rem;
padding:.6rem .75rem;font:inherit;border:1px solid #6b7280;border-radius:8px}
input[aria-invalid=true]{border-color:#b91c1c}
input:focus-visible,button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.error{color:#b91c1c;font-weight:600;margin:.5rem 0 0}
.scopes{padding-left:1.25rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;font:inherit;font-weight:600;padding:.65rem 1rem;border-radius:8px;cursor:pointer;border:1px solid #1d4ed8}
.primary{background:#1d4ed8;color:#fff}
.primary:hover{background:#1e40af}
.secondary{background:#fff;color:#1e3a8a}
.secondary:hover{background:#eff6ff}
footer{margin-top:1.5rem;font-size:.85rem;color:#4b5563}
</style>{{end}}

{{define "hidden"}}{{range .Hidden}}
<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<input type="hidden" name="form_token" value="{{.Token}}">{{end}}

{{define "footer"}}<footer>Demo authorization server{{if .Issuer}} at {{.Issuer}}{{end}}. Not for production use.</footer>{{end}}

{{define "login"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {{.ClientID}}</title>
{{template "style"}}
</head>
<body>
<main aria-labelledby="title">
<h1 id="title">Sign in</h1>
<p class="lead">to continue to <strong>{{.ClientID}}</strong></p>
<form method="post">{{template "hidden" .}}
<label for="username">Username</label>
<input id="username" name="username" type="text" value="{{.Username}}" required
 autocomplete="username" autocapitalize="none" spellcheck="false"{{if not .Username}} autofocus{{end}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password"
{{- if .Username}} autofocus{{end}}{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}>
{{if .Error}}<p id="form-error" class="error" role="alert">{{.Error}}</p>{{end}}
<div class="actions"><button class="primary" type="submit" name="action" value="login">Sign in</button></div>
</form>
{{template "footer" .}}
</main>
</body>
</html>
{{end}}

{{define "consent"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow {{.ClientID}} access?</title>
{{template "style"}}
</head>
<body>
<main aria-labelledby="title">
<h1 id="title">Allow access?</h1>
<p class="lead"><strong>{{.ClientID}}</strong> requests access to the account <strong>{{.Username}}</strong>.</p>
{{if .Scopes}}<p id="scopes-intro">If you allow it, it may:</p>
<ul class="scopes" aria-labelledby="scopes-intro">{{range .Scopes}}
<li><strong>{{.Name}}</strong>: {{.Description}}</li>{{end}}
</ul>{{else}}<p>It requests no scopes, only proof that you signed in.</p>{{end}}
<form method="post">{{template "hidden" .}}
<div class="actions">
<button class="primary" type="submit" name="action" value="allow" autofocus>Allow</button>
<button class="secondary" type="submit" name="action" value="deny">Deny</button>
</div>
</form>
{{template "footer" .}}
</main>
</body>
</html>
{{end}}
`))
