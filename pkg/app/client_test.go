package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/pkg/app"
)

// toyApp is an app of the test's own: /login sets the session cookie to "s1", /mfa/sms/verify
// checks the code and rotates it to "s2", /account needs "s2", /logout expires the cookie.
func toyApp(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	setCookie := func(w http.ResponseWriter, v string, maxAge int) {
		http.SetCookie(w, &http.Cookie{Name: "stytch_session", Value: v, MaxAge: maxAge, Secure: true, HttpOnly: true})
	}
	session := func(r *http.Request) string {
		c, err := r.Cookie("stytch_session")
		if err != nil {
			return ""
		}
		return c.Value
	}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Password != `p"w` {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		setCookie(w, "s1", 0)
	})
	mux.HandleFunc("POST /mfa/sms/send", func(w http.ResponseWriter, r *http.Request) {
		if session(r) == "" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("POST /mfa/sms/verify", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Code string }
		if session(r) != "s1" || json.NewDecoder(r.Body).Decode(&in) != nil || in.Code != "123456" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		setCookie(w, "s2", 0)
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		switch session(r) {
		case "s2":
			_, _ = w.Write([]byte(`{"page":"/account"}`))
		case "s1":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":"missing_factor"}`))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthenticated"}`))
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) { setCookie(w, "", -1) })
	return mux
}

// toyContract is toyApp's contract.
const toyContract = `
session: {cookie: stytch_session}
routes:
  sign_in:         {method: POST, path: /login, body: '{"email":"{{email}}","password":"{{password}}"}'}
  send_sms_code:   {method: POST, path: /mfa/sms/send, body: '{"phone_number":"{{phone}}"}'}
  submit_sms_code: {method: POST, path: /mfa/sms/verify, body: '{"code":"{{code}}"}'}
  protected_page:  {method: GET, path: /account}
  sign_out:        {method: POST, path: /logout}
answers:
  allowed:         {status: 200}
  unauthenticated: {status: 401}
  needs_factor:    {status: 403, field: error, equals: missing_factor}
`

// TestClient_CarriesTheSession: in process and over HTTP, the client fills the templates
// (JSON-escaping the values), keeps the session cookie the app sets, rotates it, and drops it
// when the app expires it; answers are classified by the contract.
func TestClient_CarriesTheSession(t *testing.T) {
	c, err := app.Parse([]byte(toyContract))
	require.NoError(t, err)
	srv := httptest.NewServer(toyApp(t))
	t.Cleanup(srv.Close)
	for name, cl := range map[string]*app.Client{
		"in-process": app.NewInProcessClient(c, toyApp(t)),
		"http":       app.NewClient(c, srv.URL),
	} {
		t.Run("case="+name, func(t *testing.T) {
			ctx := context.Background()
			v := app.Vars{Email: "a@example.com", Password: `p"w`, Phone: "+15550001234", Code: "123456"}
			do := func(r app.RouteName) *app.Response {
				resp, err := cl.Do(ctx, r, v)
				require.NoError(t, err)
				return resp
			}
			assert.Equal(t, app.Unauthenticated, do(app.ProtectedPage).Kind)
			require.True(t, do(app.SignIn).OK())
			page := do(app.ProtectedPage)
			assert.Equal(t, app.NeedsFactor, page.Kind, "%s", page)
			require.True(t, do(app.SendSMSCode).OK())
			require.True(t, do(app.SubmitSMSCode).OK())
			page = do(app.ProtectedPage)
			assert.Equal(t, app.Allowed, page.Kind, "%s", page)
			assert.Equal(t, "GET /account", page.Request)
			require.True(t, do(app.SignOut).OK())
			assert.Equal(t, app.Unauthenticated, do(app.ProtectedPage).Kind)
			_, err := cl.Do(ctx, app.SensitiveAction, v)
			require.ErrorContains(t, err, "no sensitive_action route")
			require.NoError(t, cl.Check(ctx))
		})
	}
}

// TestClient_Check: a route the app does not serve, or an app that is not there, fails naming it.
func TestClient_Check(t *testing.T) {
	srv := httptest.NewServer(toyApp(t))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, tt := range []struct{ from, to, want string }{
		{"path: /account", "path: /acount", "routes.protected_page.path: the app at " + srv.URL + " answers 404 to GET /acount"},
		{"{method: GET, path: /account}", "{method: PUT, path: /account}", "routes.protected_page.method: the app at " + srv.URL + " answers 405 to PUT /account"},
	} {
		c, err := app.Parse([]byte(replace(t, toyContract, tt.from, tt.to)))
		require.NoError(t, err)
		assert.EqualError(t, app.NewClient(c, srv.URL).Check(ctx), tt.want)
	}
	c, err := app.Parse([]byte(toyContract))
	require.NoError(t, err)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	err = app.NewClient(c, closed.URL).Check(ctx)
	require.ErrorContains(t, err, "the app at "+closed.URL+" is unreachable: ")
	assert.NotContains(t, err.Error(), "\n")
}

// TestClient_HeaderSession: an app that hands out its session in a JSON field and reads it from a
// header.
func TestClient_HeaderSession(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"session_token":"tok-1"}`))
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	c, err := app.Parse([]byte(`
session: {header: Authorization, scheme: Bearer, token_field: session_token}
routes:
  sign_in:         {method: POST, path: /login, body: 'password={{password}}', content_type: application/x-www-form-urlencoded}
  send_sms_code:   {method: POST, path: /sms}
  submit_sms_code: {method: POST, path: '/sms/{{code}}'}
  protected_page:  {method: GET, path: /account}
answers: {allowed: {status: 200}, unauthenticated: {status: 401}, needs_factor: {status: 403}}
`))
	require.NoError(t, err)
	cl := app.NewInProcessClient(c, mux)
	ctx := context.Background()
	resp, err := cl.Do(ctx, app.ProtectedPage, app.Vars{})
	require.NoError(t, err)
	assert.Equal(t, app.Unauthenticated, resp.Kind)
	_, err = cl.Do(ctx, app.SignIn, app.Vars{Password: "x y"})
	require.NoError(t, err)
	resp, err = cl.Do(ctx, app.ProtectedPage, app.Vars{})
	require.NoError(t, err)
	assert.Equal(t, app.Allowed, resp.Kind)
}

// TestClient_MagicLinkToken: the token goes into the callback's query URL-encoded, as Stytch
// appends it to the redirect URL, and arrives as sent, with the query's fixed values; in a body it
// is JSON-escaped.
func TestClient_MagicLinkToken(t *testing.T) {
	const token = "a+b/c=d&e f"
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authenticate", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		got = append(got, q.Get("stytch_token_type"), q.Get("token"))
	})
	mux.HandleFunc("POST /ml/{token}", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Token string }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		got = append(got, r.PathValue("token"), in.Token)
	})
	src := replace(t, toyContract, "  sign_out:", `  send_magic_link: {method: POST, path: /ml, body: '{"email":"{{email}}"}'}
  authenticate_magic_link: {method: GET, path: '/authenticate?stytch_token_type=magic_links&token={{token}}'}
  magic_link_page: {method: GET, path: /inbox}
  sign_out:`)
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"query", src, []string{"magic_links", token}},
		{"path and body", replace(t, src, `{method: GET, path: '/authenticate?stytch_token_type=magic_links&token={{token}}'}`,
			`{method: POST, path: '/ml/{{token}}', body: '{"token":"{{token}}"}'}`), []string{token, token}},
	} {
		t.Run("case="+tt.name, func(t *testing.T) {
			got = nil
			c, err := app.Parse([]byte(tt.src))
			require.NoError(t, err)
			resp, err := app.NewInProcessClient(c, mux).Do(context.Background(), app.AuthenticateMagicLink, app.Vars{Token: token})
			require.NoError(t, err)
			require.True(t, resp.OK(), "%s", resp)
			assert.Equal(t, tt.want, got)
		})
	}
}

func replace(t *testing.T, s, from, to string) string {
	t.Helper()
	out := strings.Replace(s, from, to, 1)
	require.NotEqual(t, s, out)
	return out
}

// TestClient_RedirectAnswers: a server-rendered app that answers with redirects is described by
// status and location; each answer is classified by where it leads, and the refused answer tells a
// turned-down sign-in from an accepted one although both redirect.
func TestClient_RedirectAnswers(t *testing.T) {
	mux := http.NewServeMux()
	redirect := func(to string, status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, status) }
	}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("password") != "right" {
			http.Redirect(w, r, "/login?error=invalid", http.StatusFound)
			return
		}
		http.Redirect(w, r, "https://app.example.com/account", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /account", redirect("/login?next=%2Faccount", http.StatusFound))
	mux.HandleFunc("GET /inbox", redirect("/mfa/sms?missing=otp%2Fsms", http.StatusFound))
	mux.HandleFunc("GET /authenticator", redirect("/login-help", http.StatusFound))
	mux.HandleFunc("POST /transfer", redirect("/mfa/sms/fresh", http.StatusFound))
	mux.HandleFunc("GET /authenticate", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })

	c, err := app.Parse([]byte(`
session: {cookie: sid}
routes:
  sign_in:          {method: POST, path: /login, content_type: application/x-www-form-urlencoded, body: 'email={{email}}&password={{password}}'}
  send_sms_code:    {method: POST, path: /mfa/sms/send, body: '{"phone_number":"{{phone}}"}'}
  submit_sms_code:  {method: POST, path: /mfa/sms/verify, body: '{"code":"{{code}}"}'}
  protected_page:   {method: GET, path: /account}
  sensitive_action: {method: POST, path: /transfer}
  register_totp:    {method: POST, path: /mfa/totp/register, secret_field: secret}
  submit_totp_code: {method: POST, path: /mfa/totp/verify, body: '{"code":"{{totp_code}}"}'}
  totp_page:        {method: GET, path: /authenticator}
  send_magic_link:  {method: POST, path: /magic-link, body: '{"email":"{{email}}"}'}
  authenticate_magic_link: {method: GET, path: '/authenticate?token={{token}}'}
  magic_link_page:  {method: GET, path: /inbox}
answers:
  allowed:            {status: 200}
  unauthenticated:    {status: 302, location: /login}
  needs_factor:       {status: 302, location: '/mfa/sms?missing'}
  needs_fresh_factor: {status: 302, location: /mfa/sms/fresh}
  refused:            {status: 302, location: '/login?error'}
`))
	require.NoError(t, err)
	cl := app.NewInProcessClient(c, mux)
	tests := []struct {
		route       app.RouteName
		password    string
		kind        app.Kind
		ok, refused bool
		describedAs string
	}{
		// A turned-down sign-in leads to /login, as an unauthenticated page does.
		{app.SignIn, "wrong", app.Unauthenticated, false, true, "POST /login: 302 -> /login?error=invalid"},
		{app.SignIn, "right", app.Other, true, false, "POST /login: 303 -> https://app.example.com/account"},
		{app.ProtectedPage, "", app.Unauthenticated, true, false, "GET /account: 302 -> /login?next=%2Faccount"},
		{app.MagicLinkPage, "", app.NeedsFactor, true, false, "GET /inbox: 302 -> /mfa/sms?missing=otp%2Fsms"},
		{app.SensitiveAction, "", app.NeedsFreshFactor, true, false, "POST /transfer: 302 -> /mfa/sms/fresh"},
		{app.TOTPPage, "", app.Other, true, false, "GET /authenticator: 302 -> /login-help"}, // /login-help is not /login
		{app.AuthenticateMagicLink, "", app.Other, false, true, "GET /authenticate: 410"},    // a 4xx is a refusal too
	}
	for _, tt := range tests {
		t.Run(string(tt.route)+" "+tt.password, func(t *testing.T) {
			resp, err := cl.Do(context.Background(), tt.route, app.Vars{Email: "a@example.com", Password: tt.password, Token: "t"})
			require.NoError(t, err)
			assert.Equal(t, tt.kind, resp.Kind, "%s", resp)
			assert.Equal(t, tt.ok, resp.OK(), "accepted: %s", resp)
			assert.Equal(t, tt.refused, resp.Refused(), "refused: %s", resp)
			assert.Equal(t, tt.describedAs, strings.TrimSpace(resp.String()))
		})
	}
}

// TestClient_RedirectLocations: where a redirect leads is read as a browser reads it: a relative
// Location is resolved against the request, a Location on another host leads away from the app
// whatever its path, a fragment is not part of where it leads, percent-encoded letters are the
// letters, and when the locations of two answers both match, the longer one (the more specific)
// decides.
func TestClient_RedirectLocations(t *testing.T) {
	var to atomic.Value // the Location the app answers with; the server reads it in its own goroutine
	mux := http.NewServeMux()
	mux.HandleFunc("GET /app/account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", to.Load().(string))
		w.WriteHeader(http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := app.Parse([]byte(`
session: {cookie: sid}
routes:
  sign_in:          {method: POST, path: /login, body: '{"email":"{{email}}","password":"{{password}}"}'}
  send_sms_code:    {method: POST, path: /mfa/sms/send, body: '{"phone_number":"{{phone}}"}'}
  submit_sms_code:  {method: POST, path: /mfa/sms/verify, body: '{"code":"{{code}}"}'}
  protected_page:   {method: GET, path: /app/account}
answers:
  allowed:            {status: 200}
  unauthenticated:    {status: 302, location: /app/login}
  needs_factor:       {status: 302, location: '/app/mfa?setup'}
  needs_fresh_factor: {status: 302, location: /app/mfa}
`))
	require.NoError(t, err)
	cl := app.NewClient(c, srv.URL)
	tests := []struct {
		name, location string
		want           app.Kind
	}{
		{"case=path", "/app/login", app.Unauthenticated},
		{"case=relative", "login?next=account", app.Unauthenticated},
		{"case=dot segments", "../app/./login", app.Unauthenticated},
		{"case=fragment", "/app/login#form", app.Unauthenticated},
		{"case=percent-encoded letters", "/app/log%69n", app.Unauthenticated},
		{"case=absolute on the app", srv.URL + "/app/login?next=%2Fapp%2Faccount", app.Unauthenticated},
		{"case=absolute on another host", "https://login.example.com/app/login", app.Other},
		{"case=scheme-relative on another host", "//login.example.com/app/login", app.Other},
		{"case=another path", "/app/login-help", app.Other},
		{"case=an encoded slash is not a slash", "/app%2Flogin", app.Other},
		{"case=no location", "", app.Other},
		{"case=the longer location wins", "/app/mfa?setup=sms", app.NeedsFactor},
		{"case=the shorter location", "/app/mfa?step=2", app.NeedsFreshFactor},
		{"case=below the shorter location", "/app/mfa/sms", app.NeedsFreshFactor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to.Store(tt.location)
			resp, err := cl.Do(context.Background(), app.ProtectedPage, app.Vars{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Kind, "%s", resp)
		})
	}
}
