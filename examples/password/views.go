package main

import (
	"html/template"
	"net/http"
)

type loginView struct {
	Callback string
	Username string
	Error    string
}

type profileView struct {
	User   string
	Expiry string
}

// The form posts back to /login with the callback parameter, which
// html/template escapes as a query value.
var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<title>Log in</title>
<h1>Log in</h1>
{{if .Error}}<p id="login-error">{{.Error}}</p>{{end}}
<form method="post" action="/login?callback={{.Callback}}">
<label>Username <input id="username" name="username" value="{{.Username}}" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button>Log in</button>
</form>
`))

var profileTemplate = template.Must(template.New("profile").Parse(`<!doctype html>
<title>Profile</title>
<h1>Profile</h1>
<p>Logged in as <span id="user">{{.User}}</span>. The access token expires at <span id="expiry">{{.Expiry}}</span>.</p>
<form method="post" action="/logout"><button>Log out</button></form>
`))

func (a *app) render(w http.ResponseWriter, status int, page *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := page.Execute(w, data); err != nil {
		a.log.Error("rendering page failed", "page", page.Name(), "error", err)
	}
}
