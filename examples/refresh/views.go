package main

import (
	"bytes"
	"fmt"
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

// The browser tests in examples/browser select elements by these ids:
// username, password, login-error, oauth-login, user, expiry, refreshed and
// logout. Keep them stable.
const pageStyle = `<style>
:root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  --bg: light-dark(#f3f4f6, #111827); --card: light-dark(#fff, #1f2937); --text: light-dark(#111827, #f3f4f6);
  --muted: light-dark(#4b5563, #9ca3af); --line: light-dark(#d1d5db, #374151); --accent: light-dark(#1d4ed8, #60a5fa);
  --error: light-dark(#b91c1c, #fca5a5); --error-bg: light-dark(#fef2f2, #450a0a); }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text); line-height: 1.5; }
main { box-sizing: border-box; width: min(100% - 2rem, 30rem); margin: 2rem 0; padding: 2rem;
  background: var(--card); border-radius: 12px; box-shadow: 0 1px 3px rgb(0 0 0 / .15); }
.brand { margin: 0 0 .25rem; font-size: .85rem; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
.lead { margin: 0 0 1.25rem; color: var(--muted); }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { box-sizing: border-box; width: 100%; margin-top: .25rem; padding: .6rem .75rem; font: inherit;
  color: inherit; background: transparent; border: 1px solid var(--muted); border-radius: 8px; }
input[aria-invalid=true] { border-color: var(--error); }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { margin: .5rem 0 0; padding: .45rem .7rem; border-radius: 8px; font-weight: 600; color: var(--error); background: var(--error-bg); }
button, .button { box-sizing: border-box; display: block; width: 100%; margin-top: 1.25rem; padding: .65rem 1rem;
  font: inherit; font-weight: 600; text-align: center; text-decoration: none; cursor: pointer;
  border-radius: 8px; border: 1px solid var(--accent); }
.primary { background: var(--accent); color: light-dark(#fff, #111827); }
.secondary { background: transparent; color: var(--accent); }
.or { display: flex; align-items: center; gap: .75rem; margin: 1.5rem 0 0; color: var(--muted); font-size: .9rem; }
.or::before, .or::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.muted { color: var(--muted); }
.note { margin: .5rem 0 0; font-size: .9rem; color: var(--muted); }
nav { margin-top: 1.25rem; font-size: .9rem; color: var(--muted); }
a { color: var(--accent); }
</style>`

const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`

var loginTemplate = template.Must(template.New("login").Parse(pageHead + `
<title>Log in · refresh demo</title>` + pageStyle + `</head>
<body><main aria-labelledby="title">
<p class="brand">Refresh demo</p>
<h1 id="title">Log in</h1>
<form method="post" action="/login{{if .Callback}}?callback={{.Callback | urlquery}}{{end}}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false"
    value="{{.Username}}" required{{if not .Username}} autofocus{{end}}
    {{- if .Error}} aria-invalid="true" aria-describedby="login-error"{{end}}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required
    {{- if .Username}} autofocus{{end}}{{if .Error}} aria-invalid="true" aria-describedby="login-error"{{end}}>
  {{if .Error}}<p id="login-error" class="error" role="alert">{{.Error}}</p>{{end}}
  <button class="primary" type="submit">Log in</button>
</form>
<p class="or">or</p>
<a class="button secondary" id="oauth-login" href="/oauth{{if .Callback}}?callback={{.Callback | urlquery}}{{end}}">Log in with OAuth 2.0</a>
<p class="note">The OAuth 2.0 login goes through the authorization server's own login and consent pages.</p>
</main></body></html>`))

var profileTemplate = template.Must(template.New("profile").Funcs(template.FuncMap{
	"when":     formatTime,
	"datetime": machineTime,
	"until":    formatUntil,
}).Parse(pageHead + `
<title>Profile · refresh demo</title>` + pageStyle + `</head>
<body><main aria-labelledby="title">
<p class="brand">Refresh demo</p>
<h1 id="title">Hello, <span id="user">{{.User}}</span></h1>
<p class="lead">You are logged in. Your tokens stay on the server, and the access token is refreshed by the request that needs it.</p>
<dl>
  <dt>Scope</dt><dd id="scope">{{if .Scope}}{{.Scope}}{{else}}<span class="muted">none</span>{{end}}</dd>
  <dt>Token issued</dt><dd id="issued"><time datetime="{{datetime .IssuedAt}}">{{when .IssuedAt}}</time></dd>
  <dt>Token expires</dt><dd id="expiry"><time datetime="{{datetime .Expiry}}">{{when .Expiry}}</time> <span class="muted">({{until .Expiry}})</span></dd>
  <dt>Last refreshed</dt><dd id="refreshed">{{if .RefreshedAt.IsZero}}never{{else}}<time datetime="{{datetime .RefreshedAt}}">{{when .RefreshedAt}}</time>{{end}}</dd>
</dl>
<form method="post" action="/logout"><button class="secondary" type="submit" id="logout">Log out</button></form>
<nav aria-label="JSON endpoints">JSON: <a href="/api/data">/api/data</a> · <a href="/api/me">/api/me</a></nav>
</main></body></html>`))

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// machineTime formats t for a datetime attribute, in milliseconds.
func machineTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// formatUntil describes t relative to now, in whole seconds: "in 42 s" or
// "42 s ago".
func formatUntil(t time.Time) string {
	d := time.Until(t).Round(time.Second)
	if d < 0 {
		return fmt.Sprintf("%d s ago", int(-d.Seconds()))
	}
	return fmt.Sprintf("in %d s", int(d.Seconds()))
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
