package oauth2_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"

	"github.com/alexedwards/scs/v2"

	"github.com/go-passport/passport/passport"
	"github.com/go-passport/passport/strategies/oauth2"
)

// Example logs a user in through a stub provider whose token endpoint
// accepts any code. The client plays the browser and follows the redirects
// by hand.
func Example() {
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at-1","token_type":"Bearer","expires_in":3600}`)
	}))
	defer provider.Close()

	sessions := scs.New()
	auth := passport.New(sessions)
	auth.SerializeUser(func(ctx context.Context, user any) (string, error) { return user.(string), nil })
	auth.DeserializeUser(func(ctx context.Context, id string) (any, error) { return id, nil })
	auth.Use("oauth", oauth2.New(oauth2.Config{
		AuthorizationURL:  provider.URL + "/authorize",
		TokenURL:          provider.URL + "/token",
		ClientID:          "client-1",
		ClientSecret:      "secret",
		CallbackURL:       "/oauth/callback",
		ReturnToParameter: "return_to",
	}, func(ctx context.Context, token *oauth2.Token, profile any) (any, *passport.Info, error) {
		return "alice", nil, nil
	}))

	login := auth.With(
		passport.SuccessReturnToOrRedirect("/profile"),
		passport.FailureRedirect("/login"),
	).Authenticate("oauth")
	mux := http.NewServeMux()
	mux.Handle("/oauth", login(http.NotFoundHandler()))
	mux.Handle("/oauth/callback", login(http.NotFoundHandler()))
	app := httptest.NewServer(sessions.LoadAndSave(mux))
	defer app.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	// The first leg redirects to the provider.
	resp, err := browser.Get(app.URL + "/oauth?return_to=/settings")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	authorize, _ := url.Parse(resp.Header.Get("Location"))
	query := authorize.Query()
	fmt.Println(resp.StatusCode, authorize.Path, query.Get("code_challenge_method"))

	// The provider sends the browser back with a code and the state.
	callback := query.Get("redirect_uri") + "?" + url.Values{"code": {"abc"}, "state": {query.Get("state")}}.Encode()
	resp, err = browser.Get(callback)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))

	// Output:
	// 302 /authorize S256
	// 302 /settings
}

// ExampleStrategy_Refresh refreshes a token and distinguishes a refusal
// from a failure worth retrying.
func ExampleStrategy_Refresh() {
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("refresh_token") != "rt-1" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"at-2","expires_in":"3600"}`)
	}))
	defer provider.Close()

	strategy := oauth2.New(oauth2.Config{
		AuthorizationURL: provider.URL + "/authorize",
		TokenURL:         provider.URL + "/token",
		ClientID:         "client-1",
		CallbackURL:      "/oauth/callback",
	}, func(ctx context.Context, token *oauth2.Token, profile any) (any, *passport.Info, error) {
		return nil, nil, nil
	})

	token, err := strategy.Refresh(context.Background(), "rt-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(token.AccessToken, token.RefreshToken, token.ExpiresIn)

	_, err = strategy.Refresh(context.Background(), "revoked")
	var rejected *oauth2.TokenError
	fmt.Println(errors.As(err, &rejected), oauth2.IsTransient(err))
	fmt.Println(err)

	// Output:
	// at-2 rt-1 3600
	// true false
	// oauth2: token request rejected: invalid_grant
}
