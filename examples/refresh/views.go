package main

import (
	"bytes"
	"html/template"
	"net/http"
	"time"
)

type loginView struct {
	Callback string
	Username string
	Error    string
}

type profileView struct {
	User        string
	Scope       string
	Expiry      time.Time
	IssuedAt    time.Time
	RefreshedAt time.Time
}

const pageStyle = `<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 28rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.5rem; margin-bottom: 1.5rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; margin-top: .25rem; }
button, .button { display: inline-block; margin-top: 1.25rem; padding: .55rem 1.1rem; font-size: 1rem;
  border-radius: .4rem; border: 1px solid #2456a6; background: #2f6fd6; color: #fff; text-decoration: none; cursor: pointer; }
.secondary { background: transparent; color: inherit; border-color: #888; }
.error { color: #b00020; background: #fde8eb; border-radius: .3rem; padding: .4rem .6rem; margin-top: .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { font-weight: 600; }
.or { margin: 1.5rem 0 0; color: #666; }
</style>`

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in</title>` + pageStyle + `</head>
<body><main>
<h1>Log in</h1>
<form method="post" action="/login{{if .Callback}}?callback={{.Callback | urlquery}}{{end}}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" value="{{.Username}}" required autofocus
    {{if .Error}}aria-invalid="true" aria-describedby="login-error"{{end}}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  {{if .Error}}<p id="login-error" class="error" role="alert">{{.Error}}</p>{{end}}
  <button type="submit">Log in</button>
</form>
<p class="or">Or log in on the authorization server:</p>
<a class="button secondary" id="oauth-login" href="/oauth{{if .Callback}}?callback={{.Callback | urlquery}}{{end}}">Log in with OAuth 2.0</a>
</main></body></html>`))

var profileTemplate = template.Must(template.New("profile").Funcs(template.FuncMap{
	"when": formatTime,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Profile</title>` + pageStyle + `</head>
<body><main>
<h1>Hello, <span id="user">{{.User}}</span></h1>
<dl>
  <dt>Scope</dt><dd id="scope">{{if .Scope}}{{.Scope}}{{else}}(none){{end}}</dd>
  <dt>Access token issued</dt><dd id="issued">{{when .IssuedAt}}</dd>
  <dt>Access token expires</dt><dd id="expiry">{{when .Expiry}}</dd>
  <dt>Last refreshed</dt><dd id="refreshed">{{if .RefreshedAt.IsZero}}never{{else}}{{when .RefreshedAt}}{{end}}</dd>
</dl>
<form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form>
</main></body></html>`))

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// render executes tmpl into a buffer first, so a template error cannot
// leave a half-written page.
func (a *app) render(w http.ResponseWriter, status int, tmpl *template.Template, data any) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		a.log.Error("render failed", "template", tmpl.Name(), "error", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
