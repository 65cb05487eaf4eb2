// Package local authenticates a request by a username and password in its
// body, as passport-local does for Passport.js.
//
// Register the strategy with an Authenticator and run it on the route that
// receives the login form:
//
//	sessions := scs.New()
//	auth := passport.New(sessions)
//	auth.SerializeUser(func(ctx context.Context, user any) (string, error) {
//		return user.(*User).ID, nil
//	})
//	auth.DeserializeUser(func(ctx context.Context, id string) (any, error) {
//		return users.FindByID(ctx, id) // ErrUserNotFound when it is gone
//	})
//	auth.Use("local", local.New(local.Config{}, func(ctx context.Context, username, password string) (any, *passport.Info, error) {
//		user, err := users.FindByName(ctx, username)
//		if errors.Is(err, ErrNoSuchUser) {
//			return nil, nil, nil // 401 "invalid username or password"
//		}
//		if err != nil {
//			return nil, nil, err // an error outcome: 500 from the default error handler
//		}
//		if !user.PasswordMatches(password) {
//			return nil, nil, nil
//		}
//		return user, nil, nil
//	}))
//
//	login := auth.With(
//		passport.SuccessRedirect("/profile"),
//		passport.FailureRedirect("/login"),
//		passport.FailureMessage(""), // flash the strategy's message
//	).Authenticate("local")
//
//	mux := http.NewServeMux()
//	mux.Handle("GET /login", loginPage) // shows auth.PopMessages(r)
//	mux.Handle("POST /login", login(http.NotFoundHandler())) // the redirects answer first
//	mux.Handle("GET /profile", auth.Authenticate("session")(profilePage))
//	http.ListenAndServe(":8080", sessions.LoadAndSave(mux))
//
// # Request body
//
// Credentials are read from the request body only, never from the URL
// query. The body may be application/x-www-form-urlencoded,
// multipart/form-data, or JSON (application/json or any type ending in
// +json), and may be at most [Config.MaxBodyBytes] long, 64 KiB by default.
// The strategy reads the body whatever the request method is.
//
// Field names may be nested, in bracket notation, "user[email]", or in dot
// notation, "user.email". In a form, the field is the literal key
// "user[email]" in either case. A form key given more than once is rejected.
// In JSON, the field is the value of "email" inside the object "user", and
// it must be a string. A null or absent value counts as missing. A number,
// boolean, object or array is rejected with 400 "invalid credentials
// format". The JSON body must be one object nested at most 32 levels deep,
// the top-level object included. When a JSON key repeats, the last value
// counts, as with encoding/json.
//
// After the strategy runs, the handler still has the body: r.PostForm holds
// a parsed form, so a login page can re-render the username with
// r.PostForm.Get("username"), and r.Body reads a JSON body again from the
// start. A form that earlier middleware already parsed into r.PostForm is
// used as it is. Avoid r.PostFormValue there: after a body the strategy
// rejected, such as one over the size limit, r.PostForm is nil and
// PostFormValue would parse the rest of the body with net/http's own
// 10 MB limit.
//
// # Outcomes
//
//   - No body, a missing or empty username or password, or a body of
//     another content type: a 400 failure marked as missing credentials, so
//     another strategy of the chain decides the response. The verify
//     function is not called.
//   - A body that cannot be parsed, is too large or is nested too deeply:
//     a 400 failure with a message such as "invalid JSON body", "request
//     body too large" or "JSON body nested too deeply". Its Err holds the
//     detail for logs.
//   - verify returns a user: a success. It returns a nil user: a 401
//     failure with verify's message, by default "invalid username or
//     password". It returns an error: an error outcome whose Err wraps it,
//     so errors.Is and errors.As reach the cause.
package local
